"""`manage.py issue_api_token USERNAME` (also `bin/estatedesk issue_api_token`): give a user a
new API token — the old one, if any, stops working at once — and print it. For an app or phone
system whose token expired (settings.API_TOKEN_MAX_AGE, docs/api.md) or leaked.

The token alone is printed on stdout (`TOKEN=$(manage.py issue_api_token zhangsan)`); when it
expires goes to stderr.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.api.tokens import ISSUED_BY_COMMAND, token_expires_at, token_issue


class Command(BaseCommand):
    help = "Issue a new API token for a user (replacing the old one) and print it."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        if not user.is_active:
            raise CommandError(f"user {username!r} is inactive: a token would be refused")
        token = token_issue(user=user, reason=ISSUED_BY_COMMAND)
        expires_at = token_expires_at(token)
        self.stdout.write(token.key)
        self.stderr.write(
            f"Token of {username} replaced; "
            + (
                f"valid until {timezone.localtime(expires_at):%Y-%m-%d %H:%M %Z}."
                if expires_at
                else "it does not expire (API_TOKEN_MAX_AGE = 0)."
            )
        )
