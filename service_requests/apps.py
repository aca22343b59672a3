from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceRequestsConfig(AppConfig):
    name = "service_requests"
    verbose_name = _("住户求助与报事")
