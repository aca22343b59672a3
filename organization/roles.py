"""The SOP roles (SOP.md §1 table) and the permissions each starts with.

This is data: the migration `0002_roles` loads it, `manage.py sync_roles` re-applies it, and an
office can change a role's permissions in the admin afterwards. Scope decides which data the
holder sees (organization.scoping).
"""

VIEW_PLACES = ["estates.view_estate", "estates.view_building", "estates.view_unit"]
VIEW_HOUSEHOLDS = ["estates.view_household", "estates.view_resident", "estates.view_movein"]
VIEW_RESIDENT_CONTACTS = ["estates.view_household", "estates.view_resident"]
FRONT_DESK = [
    "estates.add_resident",
    "estates.change_resident",
    "estates.add_movein",
    "estates.change_household",
]
MASTER_DATA = [
    "estates.add_estate",
    "estates.change_estate",
    "estates.add_building",
    "estates.change_building",
    "estates.add_unit",
    "estates.change_unit",
    "estates.add_household",
]
ORG_VIEW = [
    "organization.view_department",
    "organization.view_staff",
    "organization.view_managementoffice",
    "organization.view_company",
    "organization.view_role",
]
ORG_MANAGE = [
    "organization.add_department",
    "organization.change_department",
    "organization.add_staff",
    "organization.change_staff",
    "organization.manage_staff_roles",
]
SEE_ID_NUMBERS = ["estates.view_resident_id_number"]
VIEW_POLICY = ["policies.view_policyversion"]
EDIT_POLICY = [
    "policies.edit_office_policy",
    "workdays.view_calendarday",
    "workdays.add_calendarday",
    "workdays.change_calendarday",
    "workdays.view_calendaryear",
    "workdays.add_calendaryear",
]
IMPORT = ["estates.import_households"]

# (code, Chinese name, scope, duties, SOP reference, permissions)
ROLE_DEFINITIONS = [
    (
        "general_manager",
        "总经理",
        "company",
        "审批有偿服务价格;接收重大投诉",
        "SOP.md §1; 004",
        VIEW_PLACES + VIEW_HOUSEHOLDS + ORG_VIEW + VIEW_POLICY,
    ),
    (
        "vice_president",
        "分管副总经理",
        "company",
        "审批社区活动计划与预算;可决定处罚",
        "SOP.md §1, §8, §10",
        VIEW_PLACES + VIEW_HOUSEHOLDS + ORG_VIEW + VIEW_POLICY,
    ),
    (
        "quality_department",
        "品质部",
        "company",
        "监督投诉与活动;接收信息传递单周统计",
        "SOP.md §1, §7",
        VIEW_PLACES + VIEW_HOUSEHOLDS + ORG_VIEW + VIEW_POLICY,
    ),
    (
        "office_manager",
        "管理处经理",
        "office",
        "特别求助、重大投诉与违章;签发处罚决定",
        "SOP.md §1",
        VIEW_PLACES
        + VIEW_HOUSEHOLDS
        + FRONT_DESK
        + MASTER_DATA
        + ORG_VIEW
        + ORG_MANAGE
        + SEE_ID_NUMBERS
        + IMPORT
        + VIEW_POLICY
        + EDIT_POLICY,
    ),
    (
        "assistant_manager",
        "经理助理",
        "office",
        "重要投诉;审批轻微投诉延期",
        "SOP.md §1, §3",
        VIEW_PLACES
        + VIEW_HOUSEHOLDS
        + FRONT_DESK
        + MASTER_DATA
        + ORG_VIEW
        + SEE_ID_NUMBERS
        + IMPORT
        + VIEW_POLICY,
    ),
    (
        "cs_supervisor",
        "客服主管",
        "office",
        "组织求助处理;一般违章;排班;签阅值班记录",
        "SOP.md §1, §6",
        VIEW_PLACES
        + VIEW_HOUSEHOLDS
        + FRONT_DESK
        + MASTER_DATA
        + ORG_VIEW
        + SEE_ID_NUMBERS
        + IMPORT
        + VIEW_POLICY,
    ),
    (
        "cs_staff",
        "客服管理员",
        "office",
        "接待、记录、派工、跟进",
        "SOP.md §1",
        VIEW_PLACES + VIEW_HOUSEHOLDS + FRONT_DESK + VIEW_POLICY + ["organization.view_department"],
    ),
    (
        "publicity_officer",
        "宣传员",
        "office",
        "起草年度社区文化活动计划",
        "SOP.md §10",
        VIEW_PLACES,
    ),
    (
        "security_supervisor",
        "保安部主管",
        "office",
        "突发事件、急救接应、护送",
        "SOP.md §2",
        VIEW_PLACES + VIEW_HOUSEHOLDS + ["organization.view_department", "organization.view_staff"],
    ),
    (
        "security_shift_leader",
        "保安班长",
        "office",
        "急救接应、安排护送与看护",
        "SOP.md §2",
        VIEW_PLACES + VIEW_HOUSEHOLDS + ["organization.view_department"],
    ),
    (
        "security_guard",
        "保安员",
        "office",
        "门岗、巡逻、护送",
        "SOP.md §2",
        VIEW_PLACES + VIEW_RESIDENT_CONTACTS,
    ),
    (
        "engineering_supervisor",
        "工程部主管",
        "office",
        "维修、活动设施保障",
        "SOP.md §4, §10",
        VIEW_PLACES
        + VIEW_RESIDENT_CONTACTS
        + ["organization.view_department", "organization.view_staff"],
    ),
    (
        "technician",
        "维修技工",
        "office",
        "上门维修",
        "SOP.md §4",
        VIEW_PLACES + VIEW_RESIDENT_CONTACTS,
    ),
    ("cleaning", "保洁员", "office", "保洁与家政有偿服务", "SOP.md §5", VIEW_PLACES),
    ("gardening", "绿化员", "office", "绿化与有偿服务", "SOP.md §5", VIEW_PLACES),
    (
        "finance",
        "财务",
        "office",
        "每月扣收违章费用",
        "SOP.md §8",
        VIEW_PLACES + VIEW_RESIDENT_CONTACTS,
    ),
    (
        "owners_committee",
        "业主委员会委员",
        "office",
        "支持处罚、调解纠纷、公布欠费",
        "SOP.md §8",
        VIEW_PLACES,
    ),
    (
        "resident",
        "住户",
        "household",
        "求助、投诉、接受回访、参加活动(仅限本户)",
        "SOP.md §1",
        ["estates.view_household", "estates.view_resident", "estates.view_movein"],
    ),
]

# Roles whose holders get Django admin access (user.is_staff) for master data.
ADMIN_ROLES = {"office_manager", "assistant_manager", "cs_supervisor"}


def sync_roles(apps=None, *, reset_permissions: bool = True, missing_ok: bool = False) -> int:
    """Create or update the SOP roles. Usable from a migration (pass `apps`) or at run time.

    `missing_ok` skips permissions of apps not migrated yet (the early roles migration); those
    apps grant their permissions in their own migrations (grant_role_permissions)."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    Role = apps.get_model("organization", "Role")
    Permission = apps.get_model("auth", "Permission")
    from complaints.permissions import ROLE_GRANTS as COMPLAINT_GRANTS
    from duty.permissions import ROLE_GRANTS as DUTY_GRANTS
    from reception.permissions import ROLE_GRANTS as RECEPTION_GRANTS
    from service_requests.permissions import ROLE_GRANTS as REQUEST_GRANTS
    from violations.permissions import ROLE_GRANTS as VIOLATION_GRANTS

    for order, (code, name, scope, duties, reference, perms) in enumerate(ROLE_DEFINITIONS):
        perms = (
            perms
            + REQUEST_GRANTS.get(code, [])
            + RECEPTION_GRANTS.get(code, [])
            + DUTY_GRANTS.get(code, [])
            + COMPLAINT_GRANTS.get(code, [])
            + VIOLATION_GRANTS.get(code, [])
        )
        role, created = Role.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "scope": scope,
                "description": duties,
                "sop_reference": reference,
                "sort_order": order,
            },
        )
        if created or reset_permissions:
            role.permissions.set(_permissions(Permission, perms, missing_ok=missing_ok))
    return len(ROLE_DEFINITIONS)


def _permissions(Permission, names: list[str], *, missing_ok: bool = False):
    found = []
    for name in dict.fromkeys(names):
        app_label, codename = name.split(".")
        permission = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if permission is None and not missing_ok:
            raise LookupError(f"permission {name} does not exist")
        if permission is not None:
            found.append(permission)
    return found


def grant_role_permissions(apps, grants: dict[str, list[str]]) -> None:
    """Add permissions to roles without touching the rest (for migrations of later SOP areas:
    unlike sync_roles, it keeps what an office changed in the admin)."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Role = apps.get_model("organization", "Role")
    Permission = apps.get_model("auth", "Permission")
    for code, perms in grants.items():
        role = Role.objects.filter(code=code).first()
        if role is not None:
            role.permissions.add(*_permissions(Permission, perms))
