"""Who may keep and read the reception registers (SOP.md §1 roles, §4). Loaded into the roles by
migration 0002 and by organization.roles (sync_roles)."""


def _crud(model: str, *actions: str) -> list[str]:
    return [f"reception.{action}_{model}" for action in actions]


VIEW_REGISTERS = (
    _crud("lostitem", "view")
    + _crud("majorincident", "view")
    + _crud("developerrepairslip", "view")
    + _crud("receptionnote", "view")
)
KEEP_REGISTERS = (
    _crud("lostitem", "add", "change")
    + _crud("majorincident", "add", "change")
    + _crud("developerrepairslip", "add", "change")
    + _crud("receptionnote", "add", "change")
)
HELP_REGISTER = ["reception.view_help_register"]
REPORTS = ["reception.view_on_time_report"]
VERIFY = ["reception.verify_praise"]
# The help register's yearly archive (000 篇3 §4.10 归入管理处统一归档): the supervisor, who
# keeps the register, and leadership read the archives; the office manager files a year.
VIEW_ARCHIVES = _crud("helpregisterarchive", "view")
ARCHIVE = _crud("helpregisterarchive", "add")
ARCHIVE_GRANTS = {
    "general_manager": VIEW_ARCHIVES,
    "vice_president": VIEW_ARCHIVES,
    "quality_department": VIEW_ARCHIVES,
    "office_manager": VIEW_ARCHIVES + ARCHIVE,
    "assistant_manager": VIEW_ARCHIVES,
    "cs_supervisor": VIEW_ARCHIVES,
}

# Granted by migration 0002 (before the archive model existed).
REGISTER_GRANTS = {
    "general_manager": VIEW_REGISTERS + HELP_REGISTER + REPORTS,
    "vice_president": VIEW_REGISTERS + HELP_REGISTER + REPORTS,
    "quality_department": VIEW_REGISTERS + HELP_REGISTER + REPORTS,
    "office_manager": VIEW_REGISTERS + KEEP_REGISTERS + HELP_REGISTER + REPORTS + VERIFY,
    "assistant_manager": VIEW_REGISTERS + KEEP_REGISTERS + HELP_REGISTER + REPORTS + VERIFY,
    "cs_supervisor": VIEW_REGISTERS + KEEP_REGISTERS + HELP_REGISTER + REPORTS + VERIFY,
    "cs_staff": VIEW_REGISTERS + KEEP_REGISTERS + HELP_REGISTER,
    # Guards find and hand back lost property and are first at major incidents (SOP.md §2).
    "security_supervisor": _crud("lostitem", "view", "add", "change")
    + _crud("majorincident", "view", "add"),
    "security_shift_leader": _crud("lostitem", "view", "add", "change")
    + _crud("majorincident", "view", "add"),
    "security_guard": _crud("lostitem", "view", "add"),
    "engineering_supervisor": _crud("majorincident", "view", "add")
    + _crud("developerrepairslip", "view"),
}

# Everything, for organization.roles.sync_roles.
ROLE_GRANTS = {
    role: REGISTER_GRANTS.get(role, []) + ARCHIVE_GRANTS.get(role, [])
    for role in {**REGISTER_GRANTS, **ARCHIVE_GRANTS}
}
