from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("系统")

    def ready(self):
        from core import lookups  # noqa: F401  (registers CharField's __in_constants)
