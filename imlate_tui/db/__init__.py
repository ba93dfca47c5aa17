"""Storage: peewee models, migrations and the queries the services use (the only place SQL lives)."""
