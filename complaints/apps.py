from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "complaints"
    verbose_name = "投诉处理"

    def ready(self):
        # The complaint rules join the policy registry (SOP.md §3); see complaints/policy.py.
        from complaints import policy  # noqa: F401
        from complaints.hooks import complaint_step_owner
        from service_requests.hooks import register_step_owner

        # A category c request with a complaint record takes its result, telling, visit, close,
        # referral, cancellation and reopening on the complaint page.
        register_step_owner(complaint_step_owner)
