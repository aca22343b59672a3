"""`manage.py archive_help_register --year YYYY [--office CODE] [--by USERNAME]` (also
`bin/estatedesk archive_help_register`): file each office's (or one office's) help register
(住户求助登记表 / 报事报修登记表) of a finished year — the register in Excel and the year's
requests with their timelines and deadlines in JSON — under settings.ARCHIVE_DIR
(ESTATEDESK_ARCHIVE_DIR, default var/archive), each file's SHA-256 kept on the archive row
(000 篇3 §4.10: 于次年年初归入管理处统一归档,保存期2年). No request is deleted.

Refused per office, with nothing written: the current or a future year, a year already archived
(says where), a year with requests still open (how many, the first numbers). With --by the
user's authority and offices are checked as in the console; without it the command acts as the
system (whoever runs it has the server).

    archive_help_register --verify [--year YYYY] [--office CODE]

re-reads every archived file and compares its SHA-256 with the recorded one: each file
modified or missing is named. Exit status 1 on any refusal or problem (cron can alert on it).
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.exceptions import ApplicationError
from organization.models import ManagementOffice
from reception import archive
from reception.models import HelpRegisterArchive
from reception.services import help_register_archive


class Command(BaseCommand):
    help = "Archive a finished year's help register (Excel + JSON with SHA-256), or --verify."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="The finished year to archive.")
        parser.add_argument("--office", help="Only this office (its code).")
        parser.add_argument("--by", help="Act as this user (their authority and offices).")
        parser.add_argument(
            "--verify", action="store_true", help="Check the SHA-256 of the archived files."
        )

    def handle(self, *args, year=None, office=None, by=None, verify=False, **options):
        offices = ManagementOffice.objects.order_by("pk")
        if office:
            offices = offices.filter(code=office)
            if not offices.exists():
                raise CommandError(f"no office with code {office!r}")
        if verify:
            return self._verify(offices, year)
        if year is None:
            raise CommandError("--year is required (or --verify)")
        actor = None
        if by:
            actor = get_user_model().objects.filter(username=by, is_active=True).first()
            if actor is None:
                raise CommandError(f"no active user {by!r}")
        refused = 0
        for item in offices:
            try:
                row = help_register_archive(actor=actor, office=item, year=year)
            except ApplicationError as error:
                refused += 1
                where = error.extra.get("directory") if isinstance(error.extra, dict) else None
                suffix = f" → {where}" if where else ""
                self.stderr.write(f"{item.code} {item.name}: {error.message}{suffix}")
                continue
            self.stdout.write(
                f"{item.code} {item.name}: {year} archived, {row.request_count} requests, "
                f"{row.event_count} events, {row.deadline_count} deadlines; kept until "
                f"{row.keep_until} → {archive.file_path(row, '')}"
            )
            for _kind, name, sha in row.files:
                self.stdout.write(f"  {name}  sha256 {sha}")
        if refused:
            raise CommandError(f"{refused} office(s) not archived")

    def _verify(self, offices, year):
        archives = HelpRegisterArchive.objects.filter(office__in=offices).select_related("office")
        if year is not None:
            archives = archives.filter(year=year)
        today = timezone.localdate()
        problems = 0
        for row in archives.order_by("office_id", "year"):
            label = f"{row.office.code} {row.office.name} {row.year}"
            expired = " (retention period over)" if row.keep_until < today else ""
            for check in archive.verify(row):
                if check.ok:
                    self.stdout.write(f"{label}: {check.name} OK{expired}")
                    continue
                problems += 1
                if check.problem == "missing":
                    self.stdout.write(f"{label}: {check.name} MISSING")
                else:
                    self.stdout.write(
                        f"{label}: {check.name} MODIFIED (sha256 {check.actual}, "
                        f"recorded {check.expected})"
                    )
        if problems:
            raise CommandError(f"{problems} archived file(s) modified or missing")
