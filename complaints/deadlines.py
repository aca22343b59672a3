"""The worker's complaint sweep (SOP.md §3). Missed complaint deadlines are ordinary Deadline
rows of the request, so service_requests.deadlines escalates them; this adds the one rule of
its own: a valid complaint unresolved after `complaint.major_after` becomes 重大."""

from complaints.services import UpgradeResult, complaints_upgrade_unresolved


def sweep_complaints(now) -> UpgradeResult:
    return complaints_upgrade_unresolved(now=now)
