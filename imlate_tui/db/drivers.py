"""Keep peewee from loading database drivers this process will never use.

peewee imports psycopg2 (and tries psycopg, pymysql) when it is first imported, whatever the database:
psycopg2 alone is a good part of a quick command's start-up. A process whose configured database is
SQLite never opens PostgreSQL, so before peewee is imported the PostgreSQL drivers are hidden from it;
peewee then treats them as not installed. Only for SQLite, and only if peewee is not loaded yet.
"""

from __future__ import annotations

import sys

POSTGRES_DRIVERS = ("psycopg2", "psycopg2cffi", "psycopg")


def skip_postgres_drivers(database_url: str) -> None:
    """For the rest of this process `import psycopg2` (and the other PostgreSQL drivers) fails, as if
    not installed: peewee and playhouse (imported later, by migrations) then leave them unloaded."""
    if not database_url.startswith("sqlite:") or "peewee" in sys.modules:
        return
    for name in POSTGRES_DRIVERS:
        sys.modules.setdefault(name, None)   # type: ignore[arg-type]
