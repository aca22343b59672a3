"""Places and people (SOP.md §1): estate → building → unit → household → resident, move-ins.

Writes go through estates.services; reads that pages and the API share through
estates.selectors (which apply the user's data scope).
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from estates.choices import IdDocumentType, OccupancyStatus, ResidentRelation


class Estate(models.Model):
    """小区, managed by one management office."""

    office = models.ForeignKey(
        "organization.ManagementOffice",
        verbose_name=_("管理处"),
        on_delete=models.PROTECT,
        related_name="estates",
    )
    name = models.CharField(_("小区名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    covenant_notes = models.TextField(
        _("业主公约要点"), blank=True, help_text=_("住户违章处理时引用的业主公约条款")
    )

    class Meta:
        verbose_name = _("小区")
        verbose_name_plural = _("小区")
        ordering = ["office", "name"]
        constraints = [
            models.UniqueConstraint(fields=["office", "name"], name="estate_unique_name")
        ]

    def __str__(self):
        return self.name


class Building(models.Model):
    """楼栋. `number` is what residents say on the phone ("3" for 3栋)."""

    estate = models.ForeignKey(
        Estate, verbose_name=_("小区"), on_delete=models.PROTECT, related_name="buildings"
    )
    number = models.CharField(_("楼号"), max_length=20)
    name = models.CharField(_("楼栋名称"), max_length=50, blank=True)
    floors = models.PositiveSmallIntegerField(_("层数"), null=True, blank=True)

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        ordering = ["estate", "number"]
        constraints = [
            models.UniqueConstraint(fields=["estate", "number"], name="building_unique_number")
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        return building_display_name(self.number, self.name)


def building_display_name(number: str, name: str) -> str:
    return name or f"{number}栋"


def unit_label(building_number: str, building_name: str, entrance: str, room: str) -> str:
    """Unit.label from its columns (pages that read rows as tuples call it directly)."""
    entrance_part = f"{entrance}单元" if entrance else ""
    return f"{building_display_name(building_number, building_name)}{entrance_part}{room}"


class Unit(models.Model):
    """A flat or room (房号): building, entrance (单元), floor, room number, area."""

    building = models.ForeignKey(
        Building, verbose_name=_("楼栋"), on_delete=models.PROTECT, related_name="units"
    )
    entrance = models.CharField(_("单元"), max_length=10, blank=True)
    floor = models.SmallIntegerField(_("楼层"))
    room_number = models.CharField(_("房号"), max_length=20, db_index=True)
    area = models.DecimalField(
        _("建筑面积(㎡)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )

    class Meta:
        verbose_name = _("房屋")
        verbose_name_plural = _("房屋")
        ordering = ["building", "entrance", "room_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["building", "entrance", "room_number"], name="unit_unique_room"
            )
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """How a receptionist reads it back: 3栋2单元1502."""
        return unit_label(self.building.number, self.building.name, self.entrance, self.room_number)

    @property
    def short_code(self) -> str:
        """The compact form: 3-2-1502 (or 3-1502 without entrances)."""
        parts = [self.building.number, self.entrance, self.room_number]
        return "-".join(p for p in parts if p)


class Household(models.Model):
    """The people living in (or owning) one unit. `office` is the unit's office, kept here
    so that data scoping is one indexed column rather than a four-table join."""

    unit = models.OneToOneField(
        Unit, verbose_name=_("房屋"), on_delete=models.PROTECT, related_name="household"
    )
    office = models.ForeignKey(
        "organization.ManagementOffice",
        verbose_name=_("管理处"),
        on_delete=models.PROTECT,
        related_name="households",
        editable=False,
    )
    occupancy = models.CharField(
        _("使用状态"),
        max_length=20,
        choices=OccupancyStatus.choices,
        default=OccupancyStatus.VACANT,
    )
    notes = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(_("建档时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("住户")
        verbose_name_plural = _("住户")
        ordering = ["unit__building__estate__name", "unit__building__number", "unit__room_number"]
        permissions = [
            ("import_households", _("导入楼栋、房屋与住户资料")),
        ]

    def __str__(self):
        return self.unit.label


class Resident(models.Model):
    """An owner, tenant or family member. The ID number is stored in full and shown masked to
    roles without the `view_resident_id_number` permission."""

    household = models.ForeignKey(
        Household, verbose_name=_("住户"), on_delete=models.PROTECT, related_name="residents"
    )
    name = models.CharField(_("姓名"), max_length=50, db_index=True)
    relation = models.CharField(_("身份"), max_length=20, choices=ResidentRelation.choices)
    phone = models.CharField(_("电话"), max_length=20, blank=True, db_index=True)
    phone_last4 = models.CharField(
        _("电话后四位"), max_length=4, blank=True, db_index=True, editable=False
    )
    id_type = models.CharField(
        _("证件类型"),
        max_length=32,
        choices=IdDocumentType.choices,
        default=IdDocumentType.RESIDENT_ID_CARD,
    )
    id_number = models.CharField(_("证件号码"), max_length=32, blank=True)
    moved_in_on = models.DateField(_("入住日期"), null=True, blank=True)
    moved_out_on = models.DateField(_("迁出日期"), null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("住户登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resident_profile",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("住户成员")
        verbose_name_plural = _("住户成员")
        ordering = ["household", "moved_out_on", "relation", "name"]
        permissions = [
            ("view_resident_id_number", _("查看完整证件号码")),
        ]

    def __str__(self):
        return self.name

    @property
    def is_current(self) -> bool:
        return self.moved_out_on is None


class MoveIn(models.Model):
    """入住手续 (SOP.md §1; 002 篇5): documents checked and cards and keys issued, with who
    handled it and when. Append-only: a mistake is corrected by a new record."""

    household = models.ForeignKey(
        Household, verbose_name=_("住户"), on_delete=models.PROTECT, related_name="move_ins"
    )
    resident = models.ForeignKey(
        Resident, verbose_name=_("办理人"), on_delete=models.PROTECT, related_name="move_ins"
    )
    moved_in_on = models.DateField(_("入住日期"))
    id_document_type = models.CharField(
        _("核验证件类型"), max_length=32, choices=IdDocumentType.choices
    )
    id_document_number = models.CharField(_("核验证件号码"), max_length=32)
    lease_checked = models.BooleanField(_("已核验租赁合同"), default=False)
    lease_start = models.DateField(_("租期开始"), null=True, blank=True)
    lease_end = models.DateField(_("租期结束"), null=True, blank=True)
    registration_form_received = models.BooleanField(_("已收住户登记表"), default=False)
    access_card_numbers = models.JSONField(_("门禁卡号"), default=list, blank=True)
    key_count = models.PositiveSmallIntegerField(_("钥匙把数"), default=0)
    key_description = models.CharField(_("钥匙说明"), max_length=200, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("办理时间"), default=timezone.now)
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("更正的记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )

    class Meta:
        verbose_name = _("入住手续")
        verbose_name_plural = _("入住手续")
        ordering = ["-handled_at", "-id"]

    def __str__(self):
        return f"{self.household} {self.moved_in_on}"

    @property
    def access_card_count(self) -> int:
        return len(self.access_card_numbers)
