"""Shared by bench/generate.py and bench/run.py: the bench database and Django set-up.

Everything here talks to 127.0.0.1 only, and only to the `estatedesk_bench` database (the
`postgres` maintenance database is used for nothing but CREATE/DROP DATABASE of it).
"""

import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = os.environ.get("BENCH_DB", "estatedesk_bench")
DB_HOST = "127.0.0.1"
DB_PORT = int(os.environ.get("BENCH_DB_PORT", "5432"))
DB_USER = os.environ.get("BENCH_DB_USER", "postgres")
DATABASE_URL = f"postgres://{DB_USER}@{DB_HOST}:{DB_PORT}/{DB_NAME}"

# The accounts the HTTP scenarios log in as (created by the generator in the first office).
BENCH_PASSWORD = "bench-Pa55word"
BENCH_RECEPTIONIST = "bench_cs_staff"
BENCH_SUPERVISOR = "bench_cs_supervisor"


def bench_env() -> dict[str, str]:
    """The production-like environment gunicorn and the in-process timings run with."""
    env = {
        "DJANGO_SETTINGS_MODULE": "estatedesk.settings",
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "DATABASE_URL": DATABASE_URL,
        "LOG_LEVEL": "WARNING",
        # Connections kept for the whole run (production: 60 s): a backend that ends during a
        # scenario takes its CPU time with it, and the figures per request would miss it.
        "DB_CONN_MAX_AGE": "3600",
    }
    return env


def setup_django() -> None:
    """Configure this process for the bench database with production settings."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    for key, value in bench_env().items():
        os.environ.setdefault(key, value)
    os.environ["DATABASE_URL"] = DATABASE_URL  # never the developer's database
    import django

    django.setup()


def admin_connect(dbname: str = "postgres"):
    import psycopg

    return psycopg.connect(host=DB_HOST, port=DB_PORT, user=DB_USER, dbname=dbname, autocommit=True)


def database_exists() -> bool:
    with admin_connect() as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
    return row is not None


def drop_and_create_database() -> None:
    from psycopg import sql

    with admin_connect() as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DB_NAME))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DB_NAME)))


def read_meta() -> dict[str, str]:
    """What the generator recorded (empty when the database holds no complete data set)."""
    if not database_exists():
        return {}
    with admin_connect(DB_NAME) as conn:
        exists = conn.execute("SELECT to_regclass('bench_meta')").fetchone()[0]
        if exists is None:
            return {}
        return dict(conn.execute("SELECT key, value FROM bench_meta").fetchall())
