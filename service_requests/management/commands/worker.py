"""`manage.py worker` (also `bin/estatedesk worker`): the background process beside the web
server. Each cycle sweeps deadlines (escalations), reminds about repair
slips to send or chase (reception.deadlines), reminds about missing duty rosters and
unsigned duty logs (duty.jobs), about last year's help register not archived yet
(reception.jobs, from January) and sends due notifications from the outbox.

    worker                 run until stopped (SIGTERM/SIGINT finish the current cycle)
    worker --once          one cycle, then exit (cron, tests)
    worker --once --now 2026-11-22T09:00:00+08:00   as if it were that time (tests, drills)
    worker --batch-size 100    overdue deadlines per transaction (default 2,000)
"""

import signal
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from complaints.deadlines import sweep_complaints
from complaints.jobs import remind_complaint_reports
from duty.jobs import sweep_duty
from notifications.services import outbox_deliver_due
from reception.deadlines import sweep_repair_slips
from reception.jobs import remind_help_register_archive
from service_requests.deadlines import BATCH_SIZE, sweep_deadlines


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
        fixed_now = None
        if now:
            fixed_now = parse_datetime(now)
            if fixed_now is None:
                raise CommandError(f"--now is not an ISO 8601 time: {now!r}")
            if timezone.is_naive(fixed_now):
                fixed_now = timezone.make_aware(fixed_now)
        self._stopping = False
        if not once:
            signal.signal(signal.SIGTERM, self._stop)
            signal.signal(signal.SIGINT, self._stop)
        while True:
            self.cycle(fixed_now or timezone.now())
            if once or self._stopping:
                return
            slept = 0.0
            while slept < interval and not self._stopping:
                time.sleep(0.5)
                slept += 0.5
            if self._stopping:
                return

    def cycle(self, now):
        started = time.monotonic()
        sweep = sweep_deadlines(now=now, batch_size=self.batch_size)
        slips = sweep_repair_slips(now)
        duty = sweep_duty(now)
        sweep_complaints(now)
        remind_complaint_reports(now)
        archive_reminders = remind_help_register_archive(now)
        sent = outbox_deliver_due(now=now)
        self.stdout.write(
            f"{timezone.localtime(now):%Y-%m-%d %H:%M:%S} sweep: {sweep.missed} missed, "
            f"{sweep.escalated} escalated, {sweep.notifications} queued; "
            f"repair slips: {slips.count} reminded; "
            f"duty: {duty.reminders} reminders; "
            f"register archive: {archive_reminders} reminders; "
            f"{sent} sent ({time.monotonic() - started:.2f}s)"
        )

    def _stop(self, signum, frame):
        self._stopping = True
