"""What complaints hand to service_requests through its hooks (service_requests/hooks.py),
registered in ComplaintsConfig.ready."""

from django.urls import reverse
from django.utils.translation import gettext as _

from complaints.models import Complaint
from service_requests.choices import Category
from service_requests.hooks import ReopenOwner


def complaint_reopen_owner(request) -> ReopenOwner | None:
    """A category c request with a complaint record is reopened as a complaint (SOP.md §3:
    the slip again, the resident told again, a new visit, under the complaint's resolve limit),
    on the complaint page — never by the generic reopen."""
    if request.category != Category.COMPLAINT:
        return None
    pk = Complaint.objects.filter(request_id=request.pk).values_list("pk", flat=True).first()
    if pk is None:
        return None
    return ReopenOwner(
        procedure=_("投诉处理"), url=reverse("complaints:detail", args=[pk]), object_id=pk
    )
