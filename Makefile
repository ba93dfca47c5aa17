# The two commands of the quick start: `make run` and `make test`.
# Both create .venv on first use and install the pinned versions from constraints.txt.
# Debian's own python3 where there is one: what a fresh Debian machine has, and what deploy/install.sh
# builds the kiosk's venv with. A python3 that comes first on PATH from elsewhere (pyenv on the
# development machine) may lack Debian's optimised build: pyenv's 3.11 ran Textual's start ~25 %
# slower there, so the tests and benchmarks would not run what a school runs. PYTHON=... overrides.
PYTHON ?= $(firstword $(wildcard /usr/bin/python3) python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
APT    := python3 python3-venv python3-dev gcc libc6-dev linux-libc-dev make
# What the tests use beyond Python: a PostgreSQL server (the database tests run on it too),
# sshd and systemd-analyze (the deploy/ checks).
TEST_APT := postgresql openssh-server systemd
# pdftotext reads printed PDFs back (fire list, badges); lp/lpstat (cups-client) is what printing calls;
# the tests' cups_server fixture starts a private CUPS server with a PDF-writing queue (scripts/cups-test-server.sh).
TEST_APT += cups cups-client printer-driver-cups-pdf poppler-utils
# The kiosk in a real terminal (tests/test_real_terminal.py): foot on a headless sway desktop (sway
# will not start without xwayland), typed into with wtype, photographed with grim; cage is checked
# for the graphical kiosk unit. fonts-dejavu-core gives foot a monospace font.
TEST_APT += sway xwayland foot wtype grim cage fonts-dejavu-core

.PHONY: run test test-sqlite test-postgresql test-system bench check-system lock clean

run: $(STAMP)
	$(BIN)/imlate --config config.yaml demo

# The whole suite on SQLite, then every database test again on a private PostgreSQL server.
test: test-sqlite test-postgresql

test-sqlite: $(STAMP) test-system
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgresql: $(STAMP) test-system
	@url=$$(scripts/pg-test-server.sh start) || exit 1; \
	echo "== database tests again on PostgreSQL ($$url)"; \
	IMLATE_TEST_DATABASE_URL=$$url $(BIN)/python -m pytest -m db $(PYTEST_ARGS); rc=$$?; \
	scripts/pg-test-server.sh stop; exit $$rc

# Installs what the tests need from Debian when it is missing (as root, or with password-less sudo).
test-system:
	@missing=""; for p in $(TEST_APT); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO=sudo; \
	  else echo "The tests need these Debian packages:$$missing — run: sudo apt-get install$$missing"; exit 1; fi; \
	  echo "installing$$missing"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq$$missing >/dev/null; \
	fi

# Every benchmark, PostgreSQL ones on a private server, then one table of their RESULT lines.
bench: $(STAMP)
	@mkdir -p var; : > var/bench-results.txt; \
	$(BIN)/python -c 'import sys; print("interpreter:", sys._base_executable, sys.version.split()[0])' | tee -a var/bench-results.txt; \
	url=$$(scripts/pg-test-server.sh start 2>/dev/null) || url=""; \
	rc=0; for b in bench/bench_*.py; do echo "== $$b" | tee -a var/bench-results.txt; \
	  { IMLATE_BENCH_DATABASE_URL=$$url $(BIN)/python $$b 2>&1; echo "exit $$?" > var/bench-rc; } \
	    | tee -a var/bench-results.txt; \
	  [ "$$(cat var/bench-rc)" = "exit 0" ] || { echo "$$b failed"; rc=1; break; }; done; \
	[ -z "$$url" ] || scripts/pg-test-server.sh stop; \
	echo; echo "== results"; $(BIN)/python bench/table.py var/bench-results.txt; exit $$rc

# Fails early, with the apt line to run, when the machine lacks what the install compiles with
# (evdev and crcmod build C extensions).
check-system:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null || \
	  { echo "Python 3.11 or newer is needed as '$(PYTHON)'. On Debian: apt-get install $(APT)"; exit 1; }
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || \
	  { echo "The Python venv module is missing. On Debian: apt-get install python3-venv"; exit 1; }
	@command -v gcc >/dev/null || { echo "gcc is missing (evdev compiles). On Debian: apt-get install $(APT)"; exit 1; }
	@$(PYTHON) -c 'import os, sysconfig; sys_inc = sysconfig.get_paths()["include"]; raise SystemExit(0 if os.path.exists(os.path.join(sys_inc, "Python.h")) else 1)' || \
	  { echo "Python headers are missing. On Debian: apt-get install python3-dev"; exit 1; }
	@test -f /usr/include/linux/input.h || { echo "Linux headers are missing (evdev). On Debian: apt-get install linux-libc-dev"; exit 1; }

$(STAMP): pyproject.toml constraints.txt
	@$(MAKE) --no-print-directory check-system
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $(STAMP)

# Re-pin after changing dependencies in pyproject.toml: installs the newest allowed versions
# into a scratch venv and writes what it got to constraints.txt.
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet --disable-pip-version-check -e '.[test]'
	.venv-lock/bin/pip freeze --exclude-editable | grep -v '^-e ' > constraints.txt
	rm -rf .venv-lock

clean:
	rm -rf $(VENV) var
