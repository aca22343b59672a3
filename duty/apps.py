from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutyConfig(AppConfig):
    name = "duty"
    verbose_name = _("值班与交接班")

    def ready(self):
        # The duty rules join the policy registry (SOP.md §6); see duty/policy.py.
        from duty import policy  # noqa: F401
