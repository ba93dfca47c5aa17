"""The table `make bench` ends with: every `RESULT measure | figure | floor | ratio | goal` line the
benchmarks printed, in the order they ran. Usage: python bench/table.py FILE (or lines on stdin)."""

from __future__ import annotations

import sys

HEADER = ("measure", "figure", "floor", "ratio", "goal")


def rows(lines) -> list[tuple[str, ...]]:
    found = []
    for line in lines:
        if line.startswith("RESULT "):
            cells = tuple(cell.strip() for cell in line[len("RESULT "):].split("|"))
            if len(cells) == len(HEADER):
                found.append(cells)
    return found


def table(found: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in [HEADER, *found]) for i in range(len(HEADER))]
    line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    return "\n".join([line(HEADER), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, found)])


def main() -> int:
    source = open(sys.argv[1], encoding="utf-8") if len(sys.argv) > 1 else sys.stdin
    found = rows(source)
    if not found:
        print("no RESULT lines found", file=sys.stderr)
        return 1
    print(table(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
