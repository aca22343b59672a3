"""Django's PostgreSQL backend, with timestamps read by psycopg's C loader (issue #3,
docs/performance.md).

Django reads every `timestamptz` through a Python subclass of psycopg's pure-Python loader, to
attach its own time zone; a queue page reads 60 timestamps, and that loader was the largest
single cost of fetching its rows. When the session's time zone is UTC and Django wants UTC
(USE_TZ with no per-database TIME_ZONE: what EstateDesk runs), psycopg's C loader returns the
very same values (aware datetimes whose tzinfo is datetime.timezone.utc), so each new
connection registers it instead. Also: psycopg keeps the conversion of longer statements
(below), and the health check before a request's first query (CONN_HEALTH_CHECKS) looks at the
connection's socket instead of sending `SELECT 1` (below). Everything else is Django's backend.
ENGINE "core.db.postgresql" in settings.py; tests: core/tests/test_db_backend.py.
"""

import datetime
import select

import psycopg._queries
from django.db.backends.postgresql import base

# psycopg converts a query's %s placeholders to $1… (a regular-expression split) on every
# execution unless the query has at most this many parameters; the intake's one statement has
# about 80 (service_requests.services._insert_family), and converting it again each time was 2 %
# of the intake's CPU. The cache is psycopg's own (an LRU of 128 queries by their text).
psycopg._queries.MAX_CACHED_STATEMENT_PARAMS = max(
    psycopg._queries.MAX_CACHED_STATEMENT_PARAMS, 200
)

try:  # psycopg's C implementation (psycopg[binary] or psycopg[c]); absent: Django's own loader
    from psycopg_binary._psycopg import TimestamptzLoader as CTimestamptzLoader
except ImportError:  # pragma: no cover - the lock file installs psycopg-binary
    try:
        from psycopg_c._psycopg import TimestamptzLoader as CTimestamptzLoader
    except ImportError:
        CTimestamptzLoader = None


class DatabaseWrapper(base.DatabaseWrapper):
    @property
    def c_timestamps(self) -> bool:
        """Whether this connection's timestamps come from the C loader (the session's time zone
        is UTC, which Django sets when it wants UTC: ensure_timezone)."""
        return CTimestamptzLoader is not None and self.timezone is datetime.UTC

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        if self.c_timestamps:
            connection.adapters.register_loader("timestamptz", CTimestamptzLoader)
        return connection

    def create_cursor(self, name=None):
        if not self.c_timestamps:
            return super().create_cursor(name)
        # Django's create_cursor without its time-zone check: that reads `.timezone` of the
        # connection's loader (Django's Python class has it, the C one does not) to register a
        # Python loader on a cursor whose connection disagrees — ours never does (UTC).
        if name is None:
            return self.connection.cursor()
        if self.settings_dict["OPTIONS"].get("server_side_binding") is not True:
            return base.ServerSideCursor(
                self.connection, name=name, scrollable=False, withhold=self.connection.autocommit
            )
        return self.connection.cursor(name, scrollable=False, withhold=self.connection.autocommit)

    def close_if_health_check_failed(self):
        """Django's check that a kept connection still works, without its round trip.

        Django sends `SELECT 1` before each request's first query: one more round trip for
        every page and intake (issue #3). A connection the server ended while it sat idle
        between requests (a restart, a crash, an administrator's pg_terminate_backend) has
        something to read — the server's FATAL message, or the end of the stream — so an idle
        socket with nothing to read is a live connection as far as such a check can tell, and
        one with something to read gets Django's real check (which closes it if it fails; the
        request then opens a new one)."""
        if (
            self.connection is None
            or not self.health_check_enabled
            or self.health_check_done
            or self.pool
        ):
            return super().close_if_health_check_failed()
        if not (self.connection.closed or self.connection.broken or _has_input(self.connection)):
            self.health_check_done = True
            return None
        return super().close_if_health_check_failed()


def _has_input(connection) -> bool:
    """Whether the server sent anything on this idle connection (without waiting)."""
    try:
        readable, _writable, _failed = select.select([connection.fileno()], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)
