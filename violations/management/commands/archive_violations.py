"""`manage.py archive_violations --before YYYY-MM-DD [--severity general|major] [--office CODE]
[--dir PATH]`: export each office's violation cases closed before the date to an Excel file and
mark them archived (rows are never deleted). Refused, changing nothing, if any selected case is
still inside its retention period (policy retention.violations_general, 1 year, and
retention.violations_major, 5 years; 000 篇6 §4.5, 篇8 §4.6) — archive the general cases
with --severity general while the major ones of the same period must still be kept."""

import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.exceptions import ApplicationError
from organization.models import ManagementOffice
from violations.choices import Severity
from violations.services import cases_archive


class Command(BaseCommand):
    help = "Archive closed violation cases past their retention period (Excel export + mark)."

    def add_arguments(self, parser):
        parser.add_argument("--before", required=True, help="Cases closed before this date.")
        parser.add_argument("--severity", choices=Severity.values, default="")
        parser.add_argument(
            "--dir",
            default=str(Path(settings.BASE_DIR) / "var" / "archive" / "violations"),
            help="Where the Excel files go (default var/archive/violations).",
        )
        parser.add_argument("--office", help="Only this office (its code).")

    def handle(self, *args, before, severity, dir, office=None, **options):
        try:
            before_date = datetime.date.fromisoformat(before)
        except ValueError as error:
            raise CommandError(f"--before is not a date: {before!r}") from error
        offices = ManagementOffice.objects.order_by("pk")
        if office:
            offices = offices.filter(code=office)
        for item in offices:
            try:
                result = cases_archive(
                    office=item, before=before_date, directory=Path(dir), severity=severity
                )
            except ApplicationError as error:
                raise CommandError(f"{item.code}: {error.message}") from error
            if result.count:
                self.stdout.write(f"{item.code}: {result.count} cases → {result.path}")
            else:
                self.stdout.write(f"{item.code}: nothing to archive")
