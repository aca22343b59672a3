"""Who may do what with resident violations (SOP.md §1 roles, §8; 000 篇4 §3, 篇8 §3). Loaded
into the roles by migration 0002 and by organization.roles (sync_roles).

These permissions open the pages and the persuasion steps. Deciding a measure beyond persuasion
is not a permission: the office policy names the roles that may sign it
(violations.penalty_roles, violations.penalty_roles_general, violations.litigation_roles)."""

VIEW = ["violations.view_violationcase"]
# 000 篇4 §3.3: every department's staff persuade and report; the centre registers.
REPORT = ["violations.add_violationcase", "violations.change_violationcase"]
SUPERVISE = [
    "violations.close_violationcase",
    "violations.record_committee_support",
    "violations.view_violation_statistics",
]
STATISTICS = ["violations.view_violation_statistics"]
COMMITTEE = ["violations.record_committee_support"]
CHARGES = ["violations.send_violation_charges"]
MANAGE = [
    "violations.manage_notice_templates",
    "violations.manage_covenant_clauses",
    "violations.send_violation_charges",
]

ROLE_GRANTS = {
    "general_manager": VIEW + STATISTICS,
    "vice_president": VIEW + STATISTICS,
    "quality_department": VIEW + STATISTICS,
    "office_manager": VIEW + REPORT + SUPERVISE + MANAGE,
    "assistant_manager": VIEW + REPORT + SUPERVISE,
    "cs_supervisor": VIEW + REPORT + SUPERVISE + CHARGES,
    "cs_staff": VIEW + REPORT,
    "security_supervisor": VIEW + REPORT,
    "security_shift_leader": VIEW + REPORT,
    "finance": VIEW,
    "owners_committee": VIEW + COMMITTEE,
}
