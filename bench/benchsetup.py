"""What every bench script needs: its database on the server, Django set up, migrations run."""

import os


def ensure_postgres_database(url: str, *, required: bool = False) -> None:
    """Create the bench database on the PostgreSQL server if it does not exist yet."""
    import environ
    import psycopg

    config = environ.Env.db_url_config(url)
    if "postgresql" not in config["ENGINE"]:
        if required:
            raise SystemExit("This bench needs PostgreSQL: set DATABASE_URL to a postgres:// URL.")
        return
    params = {"host": config["HOST"] or None, "port": config["PORT"] or None,
              "user": config["USER"] or None, "password": config["PASSWORD"] or None}  # fmt: skip
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{config["NAME"]}"')
            print(f"created database {config['NAME']}")


def setup_django(*, postgres_required: bool = False) -> None:
    """Create the database if needed, set Django up and bring the schema up to date."""
    ensure_postgres_database(os.environ["DATABASE_URL"], required=postgres_required)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
