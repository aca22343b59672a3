"""Who may do what at the help desk (SOP.md §1 roles, §2 duties). Loaded into the roles by
migration 0002 and by organization.roles (sync_roles)."""

VIEW = ["service_requests.view_servicerequest"]
INTAKE = ["service_requests.add_servicerequest"]
HANDLE = ["service_requests.change_servicerequest"]
WORK = ["service_requests.work_on_request"]
SUPERVISE = ["service_requests.reply_in_writing", "service_requests.cancel_servicerequest"]

ROLE_GRANTS = {
    "general_manager": VIEW,
    "vice_president": VIEW,
    "quality_department": VIEW,
    "office_manager": VIEW + INTAKE + HANDLE + WORK + SUPERVISE,
    "assistant_manager": VIEW + INTAKE + HANDLE + WORK + SUPERVISE,
    "cs_supervisor": VIEW + INTAKE + HANDLE + WORK + SUPERVISE,
    "cs_staff": VIEW + INTAKE + HANDLE + WORK,
    "security_supervisor": VIEW + INTAKE + WORK,
    "security_shift_leader": VIEW + INTAKE + WORK,
    "security_guard": VIEW + INTAKE + WORK,
    "engineering_supervisor": VIEW + INTAKE + WORK,
    "technician": VIEW + WORK,
    "cleaning": VIEW + WORK,
    "gardening": VIEW + WORK,
    "resident": VIEW,
}
