"""`manage.py archive_duty_logs --before YYYY-MM-DD [--dir PATH]`: export every office's duty-log
entries recorded before the date to a JSON file and append an archive marker entry (rows are
never deleted). Refused for a date inside the retention period (policy retention.duty_log,
3 years by default; 000 篇2 §4.1.8)."""

import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.exceptions import ApplicationError
from duty.services import log_archive
from organization.models import ManagementOffice


class Command(BaseCommand):
    help = "Archive duty-log entries older than the retention period (export + marker entry)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--before", required=True, help="Archive entries recorded before this date."
        )
        parser.add_argument(
            "--dir",
            default=str(Path(settings.BASE_DIR) / "var" / "archive" / "duty"),
            help="Where the JSON files go (default var/archive/duty).",
        )
        parser.add_argument("--office", help="Only this office (its code).")

    def handle(self, *args, before, dir, office=None, **options):
        try:
            before_date = datetime.date.fromisoformat(before)
        except ValueError as error:
            raise CommandError(f"--before is not a date: {before!r}") from error
        offices = ManagementOffice.objects.order_by("pk")
        if office:
            offices = offices.filter(code=office)
        for item in offices:
            try:
                result = log_archive(office=item, before=before_date, directory=Path(dir))
            except ApplicationError as error:
                raise CommandError(f"{item.code}: {error.message}") from error
            if result.count:
                self.stdout.write(f"{item.code}: {result.count} entries → {result.path}")
            else:
                self.stdout.write(f"{item.code}: nothing to archive")
