"""Enumerations of the help and report desk (SOP.md §2, §4). Values are stored and used by the
API: never change them; labels are Chinese."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """000 篇3 §4.1.1 a–g."""

    MEDICAL_EMERGENCY = "a_medical", _("a 急救病人")
    REPAIR = "b_repair", _("b 报修")
    COMPLAINT = "c_complaint", _("c 投诉")
    CONSULTATION = "d_consultation", _("d 咨询")
    SECURITY_INCIDENT = "e_security", _("e 治安事件")
    DISASTER = "f_disaster", _("f 灾害事故")
    OTHER = "g_other", _("g 其他求助")


# 特别求助: threatens life, property or public order (SOP.md §2).
SPECIAL_CATEGORIES = frozenset(
    {Category.MEDICAL_EMERGENCY, Category.SECURITY_INCIDENT, Category.DISASTER}
)

CATEGORY_HELP = {
    Category.MEDICAL_EMERGENCY: _("须先登记病人住址和电话;选择送医、拨打120或短时护理"),
    # The limit is the office's policy (repair.promised_date_max), filled in by the intake page.
    Category.REPAIR: _("与住户约定完成时间,一般不超过%(limit)s"),
    Category.COMPLAINT: _("按住户投诉处理规程办理"),
    Category.CONSULTATION: _("口头咨询即时答复;书面咨询由主管书面答复"),
    Category.SECURITY_INCIDENT: _(
        "盗窃、打架斗殴、抢劫、凶杀、中毒、交通意外:按保安部突发事件规程"
    ),
    Category.DISASTER: _("台风、水浸、火灾:按保安部突发事件及火警火灾规程"),
    Category.OTHER: _("其他生活或工作上的正常求助,力所能及地提供帮助"),
}


class Channel(models.TextChoices):
    PHONE = "phone", _("来电")
    VISIT = "visit", _("来访")
    LETTER = "letter", _("书面/信函")
    EMAIL = "email", _("电子邮件")
    APP = "app", _("App/网页")
    ROUNDS = "rounds", _("员工巡查")


WRITTEN_CHANNELS = frozenset({Channel.LETTER, Channel.EMAIL})


class ReceptionLabel(models.TextChoices):
    """The reception log's label for every contact (003 篇3 §4.4)."""

    AFTER_SALES = "after_sales", _("售后")
    REPAIR = "repair", _("报修")
    COMPLAINT = "complaint", _("投诉")
    SERVICE = "service", _("服务")
    PRAISE = "praise", _("表扬")
    SUGGESTION = "suggestion", _("建议")
    OTHER = "other", _("其它")


DEFAULT_LABEL = {
    Category.REPAIR: ReceptionLabel.REPAIR,
    Category.COMPLAINT: ReceptionLabel.COMPLAINT,
}


class Status(models.TextChoices):
    RECEIVED = "received", _("已受理")
    REPLIED = "replied", _("已答复")
    DISPATCHED = "dispatched", _("已派工")
    ACKNOWLEDGED = "acknowledged", _("已接单")
    IN_PROGRESS = "in_progress", _("处理中")
    RESOLVED = "resolved", _("已处理")
    CONFIRMED = "confirmed", _("住户已确认")
    VISITED = "visited", _("已回访")
    CLOSED = "closed", _("已关闭")
    REFERRED = "referred", _("已转介")
    CANCELLED = "cancelled", _("已撤销")


OPEN_STATUSES = frozenset(
    {
        Status.RECEIVED,
        Status.REPLIED,
        Status.DISPATCHED,
        Status.ACKNOWLEDGED,
        Status.IN_PROGRESS,
        Status.RESOLVED,
        Status.CONFIRMED,
        Status.VISITED,
    }
)
FINAL_STATUSES = frozenset({Status.CLOSED, Status.REFERRED, Status.CANCELLED})

STATUS_BADGE = {
    Status.RECEIVED: "red",
    Status.REPLIED: "blue",
    Status.DISPATCHED: "blue",
    Status.ACKNOWLEDGED: "blue",
    Status.IN_PROGRESS: "blue",
    Status.RESOLVED: "green",
    Status.CONFIRMED: "green",
    Status.VISITED: "green",
    Status.CLOSED: "grey",
    Status.REFERRED: "grey",
    Status.CANCELLED: "grey",
}


class DeadlineKind(models.TextChoices):
    FIRST_REPLY = "first_reply", _("首次答复")
    WRITTEN_REPLY = "written_reply", _("书面答复")
    ORAL_REPLY = "oral_reply", _("请示后答复")
    # Before an appointment the limit is the longest promise (repair.promised_date_max); after
    # it, the agreed time (SOP.md §4): "维修完成" reads right for both.
    REPAIR_COMPLETION = "repair_completion", _("维修完成")
    SUPERVISOR_REPORT = "supervisor_report", _("报告主管")
    # A reopened request other than a repair (a repair gets a new completion round instead).
    HANDLE_AGAIN = "handle_again", _("重新处理")
    # A 售后 (developer's warranty) contact: its 物业返修联系单 is made the same day (SOP.md §4).
    AFTER_SALES_SLIP = "after_sales_slip", _("填写返修联系单")
    # An everyday request (g) is handled within request.completion_max (003 §5.2 一般不应超过三天).
    COMPLETION = "completion", _("处理完毕")
    # The receiver acknowledges a dispatch within request.acknowledge_within (003 §5.2 立即).
    ACKNOWLEDGE = "acknowledge", _("接单")
    # Complaints (SOP.md §3; complaints app): each a policy rule with its clause.
    COMPLAINT_SLIP = "complaint_slip", _("投诉意见表送达部门")
    COMPLAINT_HAND_OVER = "complaint_hand_over", _("投诉呈送责任人")
    COMPLAINT_ANSWER = "complaint_answer", _("重大投诉明确答复")
    COMPLAINT_RESOLVE = "complaint_resolve", _("投诉处理完毕")
    COMPLAINT_TELL_RESIDENT = "complaint_tell_resident", _("当天通报住户")
    COMPLAINT_FOLLOW_UP = "complaint_follow_up", _("投诉回访")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY = "basically", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class ConfirmationChannel(models.TextChoices):
    PHONE = "phone", _("电话确认")
    VISIT = "visit", _("上门确认")
    PORTAL = "portal", _("住户在线确认")
    SIGNATURE = "signature", _("住户签字")


class EventType(models.TextChoices):
    """Timeline events, NOUN_PAST_PARTICIPLE (STYLE.md §7)."""

    REQUEST_RECEIVED = "request_received", _("受理")
    FIRST_REPLY_GIVEN = "first_reply_given", _("首次答复")
    REQUEST_DISPATCHED = "request_dispatched", _("派工")
    DISPATCH_ACKNOWLEDGED = "dispatch_acknowledged", _("接单")
    WORK_STARTED = "work_started", _("开始处理")
    APPOINTMENT_SET = "appointment_set", _("约定完成时间")
    REQUEST_RESOLVED = "request_resolved", _("处理完毕")
    RESIDENT_CONFIRMED = "resident_confirmed", _("住户确认")
    FOLLOW_UP_DONE = "follow_up_done", _("回访")
    REQUEST_CLOSED = "request_closed", _("关闭")
    REQUEST_REFERRED = "request_referred", _("转介外部单位")
    REQUEST_CANCELLED = "request_cancelled", _("撤销")
    REQUEST_REOPENED = "request_reopened", _("重新打开")
    NOTE_ADDED = "note_added", _("备注")
    ATTACHMENT_ADDED = "attachment_added", _("上传附件")
    SUPERVISOR_REPORTED = "supervisor_reported", _("已报告主管")
    EMERGENCY_STEP_DONE = "emergency_step_done", _("急救步骤完成")
    EMERGENCY_STEP_SKIPPED = "emergency_step_skipped", _("急救步骤不需要")
    DEADLINE_MISSED = "deadline_missed", _("时限逾期")
    REQUEST_ESCALATED = "request_escalated", _("逾期升级")
    # Complaints (SOP.md §3; complaints app).
    COMPLAINT_RECORDED = "complaint_recorded", _("投诉登记")
    COMPLAINT_STEP_DONE = "complaint_step_done", _("五清楚一报告")
    COMPLAINT_JUDGED = "complaint_judged", _("投诉界定")
    COMPLAINT_SEVERITY_CHANGED = "complaint_severity_changed", _("投诉级别变更")
    COMPLAINT_HANDED_OVER = "complaint_handed_over", _("呈送责任人")
    COMPLAINT_SLIP_SENT = "complaint_slip_sent", _("投诉意见表发送")
    COMPLAINT_SLIP_RETURNED = "complaint_slip_returned", _("投诉意见表交回")
    COMPLAINT_RESIDENT_TOLD = "complaint_resident_told", _("通报住户")
    COMPLAINT_EXTENSION_REQUESTED = "complaint_extension_requested", _("申请延期")
    COMPLAINT_EXTENSION_DECIDED = "complaint_extension_decided", _("延期审批")
    COMPLAINT_LINKED = "complaint_linked", _("并入集体投诉")
    COMPLAINT_FOLLOW_UP_SCHEDULED = "complaint_follow_up_scheduled", _("安排回访")
    COMPLAINT_FOLLOW_UP_ASSIGNED = "complaint_follow_up_assigned", _("回访改派")
