"""The database session settings estatedesk/settings.py asks for, as the server reports them:
what keeps an acknowledged request through a power cut (SQLite) and what frees a vanished
worker's claims (PostgreSQL; docs/production.md)."""

import pytest
from django.db import connection


def _show(setting: str):
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {setting}")
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's pragmas")
def test_sqlite_syncs_every_commit(db):
    """synchronous=FULL (2): a request the desk was told is recorded survives the PC losing
    power, not only the program crashing (brief principle 2)."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone()[0] == 2
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] == 5000


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's session settings")
def test_postgresql_frees_what_a_vanished_client_held(db):
    """A session idle inside a transaction ends after 5 minutes and idle connections are
    probed after 60 s: rows a worker whose host vanished had locked go to another worker."""
    assert _show("idle_in_transaction_session_timeout") == "5min"
    assert _show("tcp_keepalives_idle") == "60"  # seconds
    assert _show("jit") == "off"
    assert _show("max_parallel_workers_per_gather") == "0"
