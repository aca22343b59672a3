"""core.db.postgresql (issue #3, docs/performance.md): timestamps are read by psycopg's C
loader; what the ORM and raw cursors return must be exactly what Django's own loader returns —
aware datetimes in UTC, to the microsecond, NULL as None — on plain and server-side cursors."""

import contextlib
import datetime
import time

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL backend")

AT = datetime.datetime(2026, 1, 1, 0, 0, 0, 123456, tzinfo=datetime.UTC)


def test_the_connection_reads_timestamps_with_the_c_loader(db):
    from core.db.postgresql.base import CTimestamptzLoader

    connection.ensure_connection()
    assert connection.c_timestamps
    loader = connection.connection.adapters.get_loader(1184, 0)  # timestamptz, text
    assert loader is CTimestamptzLoader


def test_a_timestamp_reads_back_as_the_same_instant_in_utc(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT '2026-01-01 08:00:00.123456+08'::timestamptz, NULL::timestamptz, "
            "'2026-01-01 08:00:00'::timestamp"
        )
        aware, missing, naive = cursor.fetchone()
    assert aware == AT and aware.tzinfo is datetime.UTC
    assert missing is None
    assert naive == datetime.datetime(2026, 1, 1, 8, 0) and naive.tzinfo is None


@pytest.mark.parametrize("in_transaction", [False, True], ids=["autocommit", "transaction"])
def test_the_orm_reads_the_same_values_on_plain_and_server_side_cursors(db, in_transaction):
    User = get_user_model()
    for n in range(3):
        User.objects.create(
            username=f"u{n}", date_joined=AT + datetime.timedelta(days=n), last_login=None
        )
    expected = [(AT + datetime.timedelta(days=n), None) for n in range(3)]
    users = User.objects.filter(username__startswith="u").order_by("username")
    assert list(users.values_list("date_joined", "last_login")) == expected
    with transaction.atomic() if in_transaction else contextlib.nullcontext():
        streamed = [(u.date_joined, u.last_login) for u in users.iterator(chunk_size=1)]
    assert streamed == expected
    assert all(joined.tzinfo is datetime.UTC for joined, _ in streamed)


def test_a_statement_with_many_parameters_is_converted_once(db):
    """The intake's one statement has ~80 parameters: psycopg must keep its conversion."""
    import psycopg._queries

    sql = "SELECT " + ", ".join(["%s::int"] * 80)
    with connection.cursor() as cursor:
        cursor.execute(sql, list(range(80)))
        before = psycopg._queries._query2pg.cache_info().hits
        cursor.execute(sql, list(range(80)))
        assert cursor.fetchone() == tuple(range(80))
    assert psycopg._queries._query2pg.cache_info().hits == before + 1


@pytest.mark.django_db(transaction=True)
def test_the_health_check_sends_nothing_to_a_live_connection_and_replaces_an_ended_one(
    monkeypatch,
):
    """CONN_HEALTH_CHECKS without a round trip: a kept, live connection is reused with no
    `SELECT 1` (Django's is_usable); one the server ended while idle (a restart,
    pg_terminate_backend) gets Django's real check before the request's first query, is closed,
    and the query runs on a new connection."""
    if not connection.health_check_enabled:
        pytest.skip("DB_CONN_HEALTH_CHECKS=0")
    checks = []
    real_is_usable = connection.is_usable

    def is_usable():
        checks.append(real_is_usable())
        return checks[-1]

    monkeypatch.setattr(connection, "is_usable", is_usable)
    connection.close()  # a new connection: not past CONN_MAX_AGE, no errors from earlier tests
    connection.ensure_connection()
    first_pid = connection.connection.info.backend_pid
    connection.close_if_unusable_or_obsolete()  # what Django does when a request starts
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone() == (first_pid,)
    assert checks == []  # no SELECT 1 for a live connection

    params = {k: v for k, v in connection.get_connection_params().items() if k != "context"}
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [first_pid])
    time.sleep(0.2)  # the server's FATAL message reaches the idle socket
    connection.close_if_unusable_or_obsolete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    assert checks == [False]  # the real check ran, failed, and the connection was replaced
    assert pid != first_pid
