"""Who may do what with complaints (SOP.md §1, §3; 000 篇10 §3). Loaded into the roles by
migration 0002 and by organization.roles (sync_roles). Approving an extension or downgrading
an automatic 重大 is decided by the role the policy names, not by a permission."""

VIEW = ["complaints.view_complaint"]
HANDLE = ["complaints.add_complaint", "complaints.change_complaint"]
REPORT = ["complaints.view_complaint_report"]

ROLE_GRANTS = {
    "general_manager": VIEW + REPORT,
    "vice_president": VIEW + REPORT,
    "quality_department": VIEW + REPORT,
    "office_manager": VIEW + HANDLE + REPORT,
    "assistant_manager": VIEW + HANDLE + REPORT,
    "cs_supervisor": VIEW + HANDLE + REPORT,
    "cs_staff": VIEW + HANDLE + REPORT,
}
