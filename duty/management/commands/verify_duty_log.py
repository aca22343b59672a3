"""`manage.py verify_duty_log [--office CODE]`: check each office's duty-log hash chain and
name every entry altered, removed or inserted outside the application (000 篇2 §4.1.8).
Exit status 1 when anything is wrong (cron can alert on it)."""

from django.core.management.base import BaseCommand, CommandError

from duty.chain import verify_chain
from organization.models import ManagementOffice


class Command(BaseCommand):
    help = "Verify the duty log's hash chain of every office (or --office CODE)."

    def add_arguments(self, parser):
        parser.add_argument("--office", help="Only this office (its code).")

    def handle(self, *args, office=None, **options):
        offices = ManagementOffice.objects.order_by("pk")
        if office:
            offices = offices.filter(code=office)
            if not offices.exists():
                raise CommandError(f"no office with code {office!r}")
        broken = 0
        for item in offices:
            report = verify_chain(item.pk)
            for line in report.lines():
                self.stdout.write(f"{item.code} {item.name}: {line}")
            broken += not report.ok
        if broken:
            raise CommandError(f"{broken} office(s) have a broken duty log chain")
