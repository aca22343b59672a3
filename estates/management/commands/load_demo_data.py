from django.core.management.base import BaseCommand, CommandError

from estates.demo import DEMO_PASSWORD, load_demo_data
from organization.models import ManagementOffice


class Command(BaseCommand):
    help = "Load the demo office (阳光家园) and one account per SOP role into an empty database."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (successfully) when the database already has data.",
        )

    def handle(self, *args, if_empty=False, **options):
        if ManagementOffice.objects.exists():
            if if_empty:
                self.stdout.write("Database already has data; demo data not loaded.")
                return
            raise CommandError(
                "The database already has data; demo data loads only into an empty one."
            )
        result = load_demo_data()
        from service_requests.demo import load_demo_requests

        requests = load_demo_requests()
        from duty.demo import load_demo_duty
        from organization.models import ManagementOffice as Office

        office = Office.objects.get(code="sunshine")
        load_demo_duty(office)
        from complaints.demo import load_demo_complaints
        from violations.demo import load_demo_violations

        complaints = load_demo_complaints(office)
        violations = load_demo_violations(office)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded: {result['households']} households, "
                f"{result['residents']} residents, {requests} help requests, "
                f"{complaints} complaints, {violations} violation cases."
            )
        )
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for account in result["accounts"]:
            self.stdout.write(f"  {account.username:<24} {account.roles} {account.name}")
