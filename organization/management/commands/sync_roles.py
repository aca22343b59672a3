from django.core.management.base import BaseCommand

from organization.roles import sync_roles


class Command(BaseCommand):
    help = "Re-apply the SOP roles (SOP.md §1) and their default permissions."

    def add_arguments(self, parser):
        parser.add_argument(
            "--keep-permissions",
            action="store_true",
            help="Only create missing roles and update names; keep permissions edited in admin.",
        )

    def handle(self, *args, keep_permissions=False, **options):
        count = sync_roles(reset_permissions=not keep_permissions)
        self.stdout.write(self.style.SUCCESS(f"{count} roles synchronised."))
