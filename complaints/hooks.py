"""What complaints hand to service_requests through its hooks (service_requests/hooks.py),
registered in ComplaintsConfig.ready."""

from django.urls import reverse
from django.utils.translation import gettext as _

from complaints.models import Complaint
from service_requests.choices import Category
from service_requests.hooks import Step, StepOwner

# The request's steps the complaint procedure takes itself (complaints/services.py), each of
# which, taken on the request page, would skip its rules (SOP.md §3):
# - resolve: the department returns the 住户投诉意见表 (complaint_return_slip), which opens
#   "tell the resident the same day";
# - confirm: the resident is told the result (complaint_tell_resident: channel, what was said,
#   a written reply to a letter) and a visit is planned where required;
# - follow_up: the complaint's visit (complaint_follow_up: who, when, satisfaction, its own
#   resolve round when unsatisfied);
# - close: only after the resident was told and, for 重大/重要, visited (complaint_close);
# - refer, cancel: the request would end while the complaint stays open (listed, swept,
#   blocking the duty handover) — hand-offs are made by judging it (complaint_judge);
# - reopen: the slip again, the resident told again, a new visit (complaint_reopen).
# The desk's first reply, the dispatch, the department's acknowledge/start, notes and the
# supervisor report stay generic: the procedure relies on them (complaint_record replies,
# complaint_send_slip dispatches) or they do not contradict it.
COMPLAINT_STEPS = frozenset(
    {
        Step.RESOLVE,
        Step.CONFIRM,
        Step.FOLLOW_UP,
        Step.CLOSE,
        Step.REFER,
        Step.CANCEL,
        Step.REOPEN,
    }
)


def complaint_step_owner(request) -> StepOwner | None:
    """A category c request with a complaint record takes those steps on the complaint page."""
    if request.category != Category.COMPLAINT:
        return None
    pk = Complaint.objects.filter(request_id=request.pk).values_list("pk", flat=True).first()
    if pk is None:
        return None
    return StepOwner(
        procedure=_("投诉处理"),
        url=reverse("complaints:detail", args=[pk]),
        object_id=pk,
        steps=COMPLAINT_STEPS,
        view_permission="complaints.view_complaint",
        reason=_(
            "该求助已登记为投诉,按投诉处理程序办理:部门交回投诉意见表、当天通报住户、"
            "重大/重要投诉回访后才能关闭,重新打开须重新派发意见表(SOP.md §3)。"
        ),
    )
