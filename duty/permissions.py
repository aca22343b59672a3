"""Who may do what in duty and handover (SOP.md §1, §6; 000 篇2 §3). Loaded into the roles by
migration 0002 and by organization.roles (sync_roles)."""

VIEW = ["duty.view_roster", "duty.view_shift", "duty.view_logentry", "duty.view_handover"]
KEEP_LOG = ["duty.add_logentry", "duty.add_handover", "duty.add_rosterchange"]
SUPERVISE = [
    "duty.manage_roster",
    "duty.approve_roster_change",
    "duty.sign_duty_log",
    "duty.verify_duty_log",
    "duty.approve_handover_exception",
]

ROLE_GRANTS = {
    "general_manager": VIEW,
    "vice_president": VIEW,
    "quality_department": [*VIEW, "duty.verify_duty_log"],
    "office_manager": VIEW + KEEP_LOG + SUPERVISE,
    "assistant_manager": VIEW + KEEP_LOG,
    "cs_supervisor": VIEW + KEEP_LOG + SUPERVISE,
    "cs_staff": VIEW + KEEP_LOG,
}
