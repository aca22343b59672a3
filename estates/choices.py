from django.db import models
from django.utils.translation import gettext_lazy as _


class OccupancyStatus(models.TextChoices):
    OWNER_OCCUPIED = "owner_occupied", _("自住")
    LET = "let", _("出租")
    VACANT = "vacant", _("空置")


class ResidentRelation(models.TextChoices):
    OWNER = "owner", _("业主")
    TENANT = "tenant", _("租户")
    FAMILY = "family", _("家庭成员")


class IdDocumentType(models.TextChoices):
    RESIDENT_ID_CARD = "resident_id_card", _("居民身份证")
    PASSPORT = "passport", _("护照")
    HK_MACAO_PERMIT = "hk_macao_permit", _("港澳居民来往内地通行证")
    TAIWAN_PERMIT = "taiwan_permit", _("台湾居民来往大陆通行证")
    FOREIGN_RESIDENCE_PERMIT = "foreign_residence_permit", _("外国人永久居留身份证")
    OTHER = "other", _("其他")


OCCUPANCY_BADGE = {
    OccupancyStatus.OWNER_OCCUPIED: "green",
    OccupancyStatus.LET: "blue",
    OccupancyStatus.VACANT: "grey",
}
