"""`manage.py worker` (also `bin/estatedesk worker`): the background process beside the web
server. Each cycle sweeps deadlines (escalations), reminds about repair
slips to send or chase (reception.deadlines), reminds about missing duty rosters and
unsigned duty logs (duty.jobs), about last year's help register not archived yet
(reception.jobs, from January) and sends due notifications from the outbox.

    worker                 run until stopped (SIGTERM/SIGINT finish the current cycle); a job
                           that fails (the database restarting) is logged and tried again
                           next cycle
    worker --once          one cycle, then exit (cron, tests); exit status 1 if a job failed
    worker --once --now 2026-11-22T09:00:00+08:00   as if it were that time (tests, drills)
    worker --batch-size 100    overdue deadlines per transaction (default 2,000)
"""

import logging
import signal
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from complaints.deadlines import sweep_complaints
from complaints.jobs import remind_complaint_reports
from duty.jobs import DutySweep, sweep_duty
from notifications.services import outbox_deliver_due
from reception.deadlines import SlipSweepResult, sweep_repair_slips
from reception.jobs import remind_help_register_archive
from service_requests.deadlines import BATCH_SIZE, SweepResult, sweep_deadlines

logger = logging.getLogger("estatedesk.worker")


class Command(BaseCommand):
    help = "Run the background worker: deadline sweeps, escalations and notifications."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run one cycle and exit.")
        parser.add_argument("--now", help="Pretend the current time is this ISO 8601 time.")
        parser.add_argument(
            "--interval", type=float, default=15.0, help="Seconds between cycles (default 15)."
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=BATCH_SIZE,
            help=f"Overdue deadlines escalated per transaction (default {BATCH_SIZE}).",
        )

    def handle(self, *args, once=False, now=None, interval=15.0, batch_size=BATCH_SIZE, **options):
        if batch_size < 1:
            raise CommandError(f"--batch-size must be at least 1: {batch_size}")
        self.batch_size = batch_size
        self.once = once
        fixed_now = None
        if now:
            fixed_now = parse_datetime(now)
            if fixed_now is None:
                raise CommandError(f"--now is not an ISO 8601 time: {now!r}")
            if timezone.is_naive(fixed_now):
                fixed_now = timezone.make_aware(fixed_now)
        self._stopping = False
        if once:
            if self.cycle(fixed_now or timezone.now()):
                raise CommandError("worker: a job failed (see the log above)")
            return
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        while not self._stopping:
            # Like a web request: a connection past CONN_MAX_AGE, or broken (the server
            # restarted, a failover, a proxy's idle timeout), is replaced before the cycle.
            close_old_connections()
            self.cycle(fixed_now or timezone.now())
            slept = 0.0
            while slept < interval and not self._stopping:
                time.sleep(0.5)
                slept += 0.5

    def cycle(self, now) -> list[str]:
        """One pass of every job; returns the names of those that failed. A failing job is
        logged and does not stop the others (notifications are still sent when a sweep
        fails); what it had not committed is done again by the next cycle, so a database
        that went away for a while only delays the work."""
        started = time.monotonic()
        failed: list[str] = []

        def run(name, job, default):
            try:
                return job()
            except Exception:
                logger.exception("worker: %s failed", name)
                failed.append(name)
                if not self.once:
                    # The connection may be the casualty; the next job gets a new one if so.
                    close_old_connections()
                return default

        sweep = run(
            "deadline sweep",
            lambda: sweep_deadlines(now=now, batch_size=self.batch_size),
            SweepResult(),
        )
        slips = run("repair slips", lambda: sweep_repair_slips(now), SlipSweepResult())
        duty = run("duty sweep", lambda: sweep_duty(now), DutySweep())
        run("complaint upgrade", lambda: sweep_complaints(now), None)
        run("complaint reports", lambda: remind_complaint_reports(now), None)
        archive_reminders = run("register archive", lambda: remind_help_register_archive(now), 0)
        sent = run("notifications", lambda: outbox_deliver_due(now=now), 0)
        self.stdout.write(
            f"{timezone.localtime(now):%Y-%m-%d %H:%M:%S} sweep: {sweep.missed} missed, "
            f"{sweep.escalated} escalated, {sweep.notifications} queued; "
            f"repair slips: {slips.count} reminded; "
            f"duty: {duty.reminders} reminders; "
            f"register archive: {archive_reminders} reminders; "
            f"{sent} sent ({time.monotonic() - started:.2f}s)"
            + (f"; failed: {', '.join(failed)}" if failed else "")
        )
        return failed

    def _stop(self, signum, frame):
        self._stopping = True
