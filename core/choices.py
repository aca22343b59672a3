from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEventType(models.TextChoices):
    HOUSEHOLD_CREATED = "household_created", _("建立住户档案")
    HOUSEHOLD_CHANGED = "household_changed", _("修改住户档案")
    RESIDENT_ADDED = "resident_added", _("登记住户成员")
    RESIDENT_CHANGED = "resident_changed", _("修改住户成员")
    RESIDENT_MOVED_OUT = "resident_moved_out", _("住户迁出")
    MOVE_IN_REGISTERED = "move_in_registered", _("办理入住手续")
    IMPORT_APPLIED = "import_applied", _("导入住户资料")
    MASTER_DATA_CHANGED = "master_data_changed", _("修改基础资料")
    POLICY_CHANGED = "policy_changed", _("修改作业规程策略")
    # A new API token (its key is never recorded): who it is for is the object, why the data.
    API_TOKEN_ISSUED = "api_token_issued", _("签发API令牌")
