"""The worker's reminder to archive last year's help register (住户求助登记表于次年年初归入管理处
统一归档, 000 篇3 §4.10).

From the policy's day of January (`help_register.archive_remind_day`, default the 1st) until
the office has archived last year's register, the roles of
`help_register.archive_reminder_roles` (default 客服主管) get one notice a year — only for an
office that received requests last year. Idempotent: the outbox dedupe key is per office and
year, so repeated cycles (or two workers) never send it twice; an office that has archived is
not looked at again.
"""

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.models import OutboxMessage
from notifications.services import notify_role
from organization.models import ManagementOffice
from policies.selectors import policy_for_office
from reception import selectors
from reception.models import HelpRegisterArchive

PREFIX = "help-register-archive"


def _dedupe_key(office_id: int, year: int) -> str:
    return f"{PREFIX}:{office_id}:{year}"


def remind_help_register_archive(now: datetime.datetime) -> int:
    """Queue the reminders due at `now`; returns how many outbox rows were queued."""
    year = timezone.localdate(now).year - 1
    archived = set(
        HelpRegisterArchive.objects.filter(year=year).values_list("office_id", flat=True)
    )
    reminded = set()
    for key in OutboxMessage.objects.filter(
        dedupe_key__startswith=f"{PREFIX}:", dedupe_key__contains=f":{year}:"
    ).values_list("dedupe_key", flat=True):
        _prefix, office_id, key_year, *_rest = key.split(":")
        if key_year == str(year):
            reminded.add(int(office_id))
    queued = 0
    for office in ManagementOffice.objects.exclude(pk__in=archived | reminded).order_by("pk"):
        policy = policy_for_office(office)
        start = datetime.date(year + 1, 1, policy.integer("help_register.archive_remind_day"))
        if timezone.localdate(now) < start:
            continue
        if not selectors.help_register_year(office=office, year=year).exists():
            continue
        still_open = selectors.help_register_year_open(office=office, year=year).count()
        body = _(
            "%(office)s %(year)s年的住户求助登记表尚未归档(应于次年年初归档,保存%(keep)s年)。"
        ) % {
            "office": office.name,
            "year": year,
            "keep": policy.integer("retention.help_register"),
        }
        if still_open:
            body += _("还有%(n)s件求助未办结,请先办结或转介。") % {"n": still_open}
        body += _("请管理处经理在“求助登记表归档”页面归档。")
        with transaction.atomic():
            for role in policy.roles("help_register.archive_reminder_roles"):
                queued += notify_role(
                    office=office,
                    role_code=role,
                    subject=_("%(year)s年住户求助登记表未归档") % {"year": year},
                    body=body,
                    link=f"{reverse('reception:archive_list')}?office={office.pk}",
                    dedupe_key=f"{_dedupe_key(office.pk, year)}:{role}",
                    now=now,
                )
    return queued
