from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ViolationsConfig(AppConfig):
    name = "violations"
    verbose_name = _("住户违章")

    def ready(self):
        # The violation rules join the policy registry (SOP.md §8); see violations/policy.py.
        from violations import policy  # noqa: F401
