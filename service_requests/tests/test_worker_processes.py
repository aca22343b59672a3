"""The worker as real processes on PostgreSQL (issue #3): several `manage.py worker` processes
sweeping the same backlog at the same moment escalate every missed deadline once per level
(客服主管, then 管理处经理; SOP.md §2 时限) and send every notification once; a worker killed
with SIGKILL in the middle of a sweep or of sending loses nothing and doubles nothing — the
next worker finishes the work; a running worker whose database session is ended carries on.

The processes read the test database (the test is transactional, so they see its data). What
they send is counted where it comes out: the console channel's log line names the outbox row,
and e-mails go to notifications.testing.RecordingEmailBackend, which writes each one's
Message-ID (made from the outbox row) to a file. Nothing waits on a clock: the test holds a
PostgreSQL lock where it wants a worker to stop and watches pg_stat_activity until it does.
"""

import collections
import datetime
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from core.testing import make_office, make_staff
from notifications.models import OutboxMessage
from notifications.services import message_id
from notifications.testing import HANG_ENV, LOG_ENV, read_mail_log
from service_requests.choices import Category, Channel, DeadlineKind, EventType
from service_requests.deadlines import sweep_deadlines
from service_requests.models import Deadline, Escalation, RequestEvent
from service_requests.services import IntakeData, request_intake
from service_requests.tests.conftest import at

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real processes on PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

NOW = at(2026, 11, 23, 10, 0)
# Timeouts only matter when something is wrong: a test takes 2–12 s on a loaded two-core machine.
TIMEOUT = 180.0
BATCH = 20  # deadlines per transaction (worker --batch-size): many batches from a small backlog


def _intake(office, actor, count: int, start: datetime.datetime) -> list:
    return [
        request_intake(
            actor=actor,
            office=office,
            data=IntakeData(
                category=Category.OTHER, channel=Channel.PHONE, description=f"借梯子{n}"
            ),
            now=start + datetime.timedelta(seconds=n),
        )
        for n in range(count)
    ]


class Office:
    """An office whose supervisors and manager have e-mail addresses (two channels each)."""

    def __init__(self):
        self.office = make_office("阳光家园管理处")
        self.receptionist = make_staff("cs_staff", offices=[self.office])
        self.supervisors = [make_staff("cs_supervisor", offices=[self.office]) for _ in range(2)]
        self.manager = make_staff("office_manager", offices=[self.office])
        for n, staff in enumerate([*self.supervisors, self.manager]):
            staff.email = f"staff{n}@example.com"
            staff.save(update_fields=["email"])

    def intake(self, count: int, start: datetime.datetime) -> list:
        return _intake(self.office, self.receptionist, count, start)


class Workers:
    """Starts `manage.py worker --once` processes on the test database and reads what they
    sent: console log lines and recorded e-mails, by outbox row."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.mail_log = tmp_path / "mail.jsonl"
        self.processes: list[tuple[str, subprocess.Popen, Path, Path]] = []
        self.killed: set[str] = set()
        db = connection.settings_dict
        assert db["HOST"] in ("127.0.0.1", "localhost"), db["HOST"]
        user = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
        self.dsn = f"postgresql://{user}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "estatedesk.test_settings",
            "DATABASE_URL": self.dsn.replace("postgresql://", "postgres://", 1),
            "EMAIL_BACKEND": "notifications.testing.RecordingEmailBackend",
            LOG_ENV: str(self.mail_log),
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
        self.env.pop(HANG_ENV, None)

    def start(
        self,
        name: str,
        now: datetime.datetime,
        *,
        once: bool = True,
        hang_after_mails: int | None = None,
    ) -> None:
        """`worker --once` (or, with once=False, a worker cycling every half second) with
        every cycle at `now`."""
        env = {**self.env, "PGAPPNAME": f"estatedesk-test-{name}"}
        if hang_after_mails is not None:
            env[HANG_ENV] = str(hang_after_mails)
        out, err = self.tmp_path / f"{name}.out", self.tmp_path / f"{name}.err"
        command = [sys.executable, "manage.py", "worker", "--now", now.isoformat()]
        command += ["--batch-size", str(BATCH)]
        command += ["--once"] if once else ["--interval", "0.5"]
        with out.open("w") as stdout, err.open("w") as stderr:
            process = subprocess.Popen(
                command, cwd=settings.BASE_DIR, env=env, stdout=stdout, stderr=stderr
            )
        self.processes.append((name, process, out, err))
        return process

    def output(self, name: str) -> str:
        for process_name, _process, out, err in self.processes:
            if process_name == name:
                return out.read_text() + err.read_text()
        raise KeyError(name)

    def wait_all(self) -> dict[str, str]:
        """Wait for every process not killed; each must exit 0. Their stdout by name."""
        for name, process, _out, _err in self.processes:
            if name in self.killed:
                continue
            try:
                process.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                pytest.fail(f"worker {name} still running after {TIMEOUT}s")
            assert process.returncode == 0, self.output(name)
        return {name: out.read_text() for name, _p, out, _err in self.processes}

    def kill(self, name: str) -> None:
        """SIGKILL: no handler runs, nothing is flushed or rolled back by the process."""
        for process_name, process, _out, _err in self.processes:
            if process_name == name:
                process.send_signal(signal.SIGKILL)
                process.wait(TIMEOUT)
                self.killed.add(name)

    def stop(self, name: str) -> None:
        """SIGTERM: the worker finishes its cycle and exits 0 (wait_all checks)."""
        for process_name, process, _out, _err in self.processes:
            if process_name == name:
                process.send_signal(signal.SIGTERM)

    def kill_all(self) -> None:
        for _name, process, _out, _err in self.processes:
            if process.returncode is None:
                process.kill()
                process.wait()

    def console_sent(self) -> collections.Counter:
        """Outbox row id → how many times a worker delivered it on the console channel."""
        sent = collections.Counter()
        for _name, _process, _out, err in self.processes:
            for match in re.finditer(r"^notification (\d+) to user", err.read_text(), re.M):
                sent[int(match.group(1))] += 1
        return sent

    def mails(self) -> list[dict]:
        return read_mail_log(self.mail_log)

    def emails_sent(self) -> collections.Counter:
        """Message-ID → how many times it was handed to the e-mail backend."""
        return collections.Counter(line["message_id"] for line in self.mails() if "pid" in line)


@pytest.fixture
def workers(tmp_path):
    started = Workers(tmp_path)
    yield started
    started.kill_all()


def _poll(condition, what: str, workers: Workers | None = None):
    """Poll the database (or a file) until `condition()` is true; fail after TIMEOUT, or as
    soon as one of `workers` has exited (what it printed says why)."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        value = condition()
        if value:
            return value
        if workers is not None:
            for name, process, _out, _err in workers.processes:
                if process.poll() is not None:
                    pytest.fail(
                        f"worker {name} exited while waiting for {what}:\n" + workers.output(name)
                    )
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def _backends_blocked_by(blocker: psycopg.Connection) -> list[int]:
    """The PostgreSQL backends waiting for a lock `blocker` holds (asked on the test's own
    connection: inside the blocker's transaction pg_stat_activity would not change)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
            [blocker.info.backend_pid],
        )
        return [pid for (pid,) in cursor.fetchall()]


def _worker_sessions(name: str) -> int:
    """How many database sessions the worker `name` has (0 once the server has noticed that
    a killed worker is gone and rolled back what it had not committed)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
            [f"estatedesk-test-{name}"],
        )
        return cursor.fetchone()[0]


def _assert_escalated_once(expected_levels: dict[int, list[int]]) -> None:
    """Each deadline (id → levels it must have reached) has one escalation row and one
    REQUEST_ESCALATED event per level, and one DEADLINE_MISSED event."""
    escalations = collections.defaultdict(list)
    for deadline_id, level in Escalation.objects.values_list("deadline_id", "level"):
        escalations[deadline_id].append(level)
    assert {pk: sorted(levels) for pk, levels in escalations.items()} == expected_levels
    deadlines = dict(Deadline.objects.values_list("pk", "request_id"))
    missed = collections.Counter()
    escalated = collections.Counter()
    for request_id, type_, data in RequestEvent.objects.filter(
        type__in=[EventType.DEADLINE_MISSED, EventType.REQUEST_ESCALATED]
    ).values_list("request_id", "type", "data"):
        if type_ == EventType.DEADLINE_MISSED:
            missed[request_id] += 1
        else:
            escalated[(request_id, data["level"])] += 1
    per_request = collections.Counter(deadlines[pk] for pk in expected_levels)
    assert missed == per_request
    assert escalated == collections.Counter(
        (deadlines[pk], level) for pk, levels in expected_levels.items() for level in levels
    )
    for deadline in Deadline.objects.filter(pk__in=expected_levels):
        assert deadline.missed_at is not None
        assert deadline.escalation_level == max(expected_levels[deadline.pk])


def _assert_each_request_told_once(office: Office, requests: list, level: int, recipients) -> None:
    """Every request appears in exactly one digest of `level` per recipient (console)."""
    for user in recipients:
        texts = [
            subject + "\n" + body
            for subject, body in OutboxMessage.objects.filter(
                recipient=user, channel="console", subject__contains=f"({level}级)"
            ).values_list("subject", "body")
        ]
        assert texts, user
        for request in requests:
            assert sum(request.number in text for text in texts) == 1, (user, request.number)


def _assert_every_notification_sent_once(workers: Workers) -> None:
    """Every outbox row is marked sent and came out of its channel exactly once; nothing is
    left claimed, pending or failed."""
    rows = list(OutboxMessage.objects.all())
    assert rows
    assert [m.pk for m in rows if m.sent_at is None or m.failed_at is not None] == []
    console = {m.pk for m in rows if m.channel == "console"}
    emails = {message_id(m) for m in rows if m.channel == "email"}
    assert emails and console
    assert workers.console_sent() == collections.Counter(dict.fromkeys(console, 1))
    assert workers.emails_sent() == collections.Counter(dict.fromkeys(emails, 1))


def test_three_workers_at_once_escalate_each_level_once_and_send_each_notice_once(workers):
    """Three workers start the same cycle (--now) at the same moment on a backlog of many
    batches: requests already with the supervisor reach the manager (level 2), newer ones the
    supervisor (level 1); each deadline is escalated once per level, each request is in one
    digest per level and recipient, each notification is sent once."""
    office = Office()
    earlier = office.intake(60, NOW)
    sweep_deadlines(now=NOW + datetime.timedelta(minutes=6))  # the earlier ones: 客服主管
    later = office.intake(100, NOW + datetime.timedelta(minutes=10))
    now = NOW + datetime.timedelta(minutes=40)  # 30 minutes on: the earlier ones reach 经理

    # A start line: the test holds the deadline table so that no worker can lock a batch;
    # when all three wait on it, it lets go and they sweep together.
    with psycopg.connect(workers.dsn, autocommit=False) as blocker:
        blocker.execute(f"LOCK TABLE {Deadline._meta.db_table} IN EXCLUSIVE MODE")
        for name in ("w1", "w2", "w3"):
            workers.start(name, now)
        _poll(
            lambda: len(_backends_blocked_by(blocker)) == 3, "three workers at the start", workers
        )
        blocker.rollback()
    outputs = workers.wait_all()

    escalated = [int(re.search(r"(\d+) escalated", out).group(1)) for out in outputs.values()]
    assert sum(escalated) == 160  # 60 to the manager, 100 to the supervisor
    assert sum(1 for n in escalated if n) >= 2, outputs  # the work was shared
    first_reply = dict(
        Deadline.objects.filter(kind=DeadlineKind.FIRST_REPLY).values_list("request_id", "pk")
    )
    expected = {first_reply[r.pk]: [1, 2] for r in earlier}
    expected |= {first_reply[r.pk]: [1] for r in later}
    _assert_escalated_once(expected)
    _assert_each_request_told_once(office, earlier + later, 1, office.supervisors)
    _assert_each_request_told_once(office, earlier, 2, [office.manager])
    _assert_every_notification_sent_once(workers)


def test_a_worker_killed_in_the_middle_of_a_sweep_loses_and_doubles_nothing(workers):
    """A worker is killed (SIGKILL) while its third batch is written but not committed: the
    first two batches stay done, the third is rolled back, and the next worker escalates the
    rest — every deadline once, every notification sent once, none left behind."""
    office = Office()
    requests = office.intake(100, NOW)
    now = NOW + datetime.timedelta(minutes=10)  # every first reply (5 minutes) is missed
    order = list(
        Deadline.objects.filter(due_at__lte=now)
        .order_by("due_at", "id")
        .values_list("pk", flat=True)
    )
    assert len(order) == 100

    with psycopg.connect(workers.dsn, autocommit=False) as blocker:
        # An uncommitted escalation of a deadline in the third batch: the worker's own insert
        # of it waits for this transaction, with its batch written but not committed.
        held = order[2 * BATCH + BATCH // 2]
        blocker.execute(
            f"INSERT INTO {Escalation._meta.db_table} (deadline_id, level, role_code, at) "
            "VALUES (%s, 1, 'cs_supervisor', now())",
            [held],
        )
        workers.start("killed", now)
        _poll(lambda: _backends_blocked_by(blocker), "the worker inside its third batch", workers)
        assert Escalation.objects.count() == 2 * BATCH  # two batches committed
        workers.kill("killed")
        blocker.rollback()
        # The server notices the dead client and rolls its batch back.
    _poll(lambda: _worker_sessions("killed") == 0, "the killed worker's session to end")

    assert Escalation.objects.count() == 2 * BATCH
    assert RequestEvent.objects.filter(type=EventType.DEADLINE_MISSED).count() == 2 * BATCH
    assert not OutboxMessage.objects.filter(sent_at__isnull=False).exists()

    workers.start("next", now)
    outputs = workers.wait_all()
    assert f"{100 - 2 * BATCH} escalated" in outputs["next"]
    _assert_escalated_once({pk: [1] for pk in order})
    _assert_each_request_told_once(office, requests, 1, office.supervisors)
    _assert_every_notification_sent_once(workers)


def test_a_worker_killed_while_sending_leaves_the_rest_to_the_next(workers):
    """A worker is killed while it sends: what it sent stays sent (not sent again), the
    message it had claimed but not sent is released at once and sent by the next worker, and
    everything else is sent by that worker — each notification once."""
    office = Office()
    office.intake(60, NOW)
    now = NOW + datetime.timedelta(minutes=6)
    # Small batches: many digests (3 per batch and recipient with e-mail) to send.
    sweep_deadlines(now=now, batch_size=5)
    queued = OutboxMessage.objects.count()
    assert queued == 12 * 2 * 2  # 12 batches × 2 supervisors × (console + e-mail)

    workers.start("killed", now, hang_after_mails=5)
    hanging = _poll(
        lambda: [line for line in workers.mails() if "hanging" in line],
        "the worker to hang",
        workers,
    )
    workers.kill("killed")
    _poll(lambda: _worker_sessions("killed") == 0, "the killed worker's session to end")
    sent_before = OutboxMessage.objects.filter(sent_at__isnull=False).count()
    assert len(workers.emails_sent()) == 5
    assert sent_before  # the five e-mails (and the console messages before them) are recorded

    workers.start("next", now)
    workers.wait_all()
    _assert_every_notification_sent_once(workers)
    # The message the killed worker was sending went out once, from the next worker.
    assert workers.emails_sent()[hanging[0]["message_id"]] == 1


def test_a_running_worker_outlives_its_database_connection(workers):
    """The database ends a running worker's session in the middle of its sweep (a restart, a
    failover, a proxy's timeout): the worker logs the failed job, carries on with a new
    connection, escalates everything in its next cycle — once — and stops cleanly on
    SIGTERM. Before, the exception ended the process, and with it every later sweep."""
    office = Office()
    requests = office.intake(30, NOW)
    now = NOW + datetime.timedelta(minutes=10)
    with psycopg.connect(workers.dsn, autocommit=False) as blocker:
        blocker.execute(f"LOCK TABLE {Deadline._meta.db_table} IN EXCLUSIVE MODE")
        workers.start("running", now, once=False)
        (pid,) = _poll(lambda: _backends_blocked_by(blocker), "the worker's sweep", workers)
        blocker.execute("SELECT pg_terminate_backend(%s)", [pid])
        _poll(
            lambda: "deadline sweep failed" in workers.output("running"),
            "the failed sweep in the log",
            workers,
        )
        blocker.rollback()

    def swept_and_sent():
        return (
            Escalation.objects.count() == 30
            and not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
        )

    _poll(swept_and_sent, "the next cycle to escalate and send", workers)
    workers.stop("running")
    workers.wait_all()
    due = Deadline.objects.filter(due_at__lte=now).values_list("pk", flat=True)
    assert len(due) == 30
    _assert_escalated_once({pk: [1] for pk in due})
    _assert_each_request_told_once(office, requests, 1, office.supervisors)
    _assert_every_notification_sent_once(workers)
