"""The duty log (SOP.md §6; 000 篇2 §4.1.8 《值班记录》不得撕页,记录不得涂改,保存期3年; §4.3
主管每天上班时检查值班记录并签名确认)."""

import datetime
import io
import json
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.exceptions import ApplicationError, PermissionDeniedError
from core.testing import PASSWORD, make_office, make_staff
from duty import services
from duty.chain import verify_chain
from duty.choices import ChainProblem, EntryKind
from duty.models import ChainHead, LogEntry
from duty.tests.builders import make_shift

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    return make_office()


@pytest.fixture
def staff(office):
    return make_staff("cs_staff", offices=[office], name="王值班")


@pytest.fixture
def supervisor(office):
    return make_staff("cs_supervisor", offices=[office], name="李主管")


def _three(office, staff):
    return [services.log_entry_add(actor=staff, office=office, text=f"第{i}件事") for i in range(3)]


def test_entries_chain_to_each_other(office, staff):
    """000 篇2 §4.1.8: each entry's hash covers its content and the previous hash."""
    a, b, c = _three(office, staff)
    assert (a.seq, b.seq, c.seq) == (1, 2, 3)
    assert a.prev_hash == "" and b.prev_hash == a.hash and c.prev_hash == b.hash
    assert ChainHead.objects.get(office=office).last_hash == c.hash
    assert verify_chain(office.pk).ok


def test_orm_refuses_update_and_delete(office, staff):
    """000 篇2 §4.1.8 不得涂改/不得撕页: every ORM path refuses, with a Chinese message."""
    entry = services.log_entry_add(actor=staff, office=office, text="巡查正常")
    entry.text = "改过"
    with pytest.raises(TypeError, match="不得涂改"):
        entry.save()
    with pytest.raises(TypeError, match="不得撕页"):
        entry.delete()
    with pytest.raises(TypeError, match="不得涂改"):
        LogEntry.objects.filter(pk=entry.pk).update(text="改过")
    with pytest.raises(TypeError, match="不得撕页"):
        LogEntry.objects.all().delete()
    with pytest.raises(ApplicationError, match="不得撕页、不得涂改"):
        services.log_entry_change(actor=staff, entry=entry, text="改过")
    assert LogEntry.objects.get(pk=entry.pk).text == "巡查正常"


def test_admin_is_read_only(office, staff, client):
    """000 篇2 §4.1.8: the admin cannot change or delete a log entry."""
    from django.contrib import admin

    from duty.models import LogEntry as Model

    model_admin = admin.site._registry[Model]
    assert not model_admin.has_change_permission(None)
    assert not model_admin.has_delete_permission(None)
    assert not model_admin.has_add_permission(None)


def test_correction_is_a_new_entry(office, staff):
    """SOP.md §6: corrections are new entries pointing at the one corrected."""
    entry = services.log_entry_add(actor=staff, office=office, text="3栋漏水")
    fix = services.log_entry_correct(actor=staff, entry=entry, text="应为5栋漏水")
    assert fix.kind == EntryKind.CORRECTION and fix.corrects == entry
    assert LogEntry.objects.get(pk=entry.pk).text == "3栋漏水"
    assert verify_chain(office.pk).ok


def test_other_office_and_wrong_role_are_refused(office, staff):
    other = make_office("另一管理处")
    with pytest.raises(ApplicationError) as error:
        services.log_entry_add(actor=staff, office=other, text="x")
    assert error.value.code == "not_found"
    cleaner = make_staff("cleaning", offices=[office])
    with pytest.raises(PermissionDeniedError):
        services.log_entry_add(actor=cleaner, office=office, text="x")
    assert not LogEntry.objects.exists()


def test_sql_update_is_found(office, staff):
    """An entry altered directly in the database is named by the verification."""
    _a, b, _c = _three(office, staff)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE duty_logentry SET text = %s WHERE id = %s", ["改过的内容", b.pk])
    report = verify_chain(office.pk)
    assert [(f.problem, f.seq) for f in report.findings] == [(ChainProblem.ALTERED, 2)]
    assert report.lines() == ["第2条记录被改动"]


def test_sql_update_with_recomputed_hash_is_found(office, staff):
    """Rewriting the hash too does not hide it: the next entry no longer chains to it."""
    _a, b, _c = _three(office, staff)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE duty_logentry SET hash = %s WHERE id = %s", ["0" * 64, b.pk])
    findings = verify_chain(office.pk).findings
    assert (ChainProblem.ALTERED, 2) in [(f.problem, f.seq) for f in findings]


def test_sql_delete_is_found(office, staff):
    _a, b, c = _three(office, staff)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM duty_logentry WHERE id IN (%s, %s)", [b.pk, c.pk])
    report = verify_chain(office.pk)
    assert [(f.problem, f.seq) for f in report.findings] == [
        (ChainProblem.REMOVED, 2),
        (ChainProblem.REMOVED, 3),
    ]


def test_sql_insert_is_found(office, staff):
    _a, _b, c = _three(office, staff)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO duty_logentry (office_id, seq, kind, at, recorded_at, text, data,"
            " prev_hash, hash) VALUES (%s, 4, 'note', %s, %s, '补写的记录', '{}', %s, %s)",
            [office.pk, timezone.now(), timezone.now(), c.hash, "f" * 64],
        )
    report = verify_chain(office.pk)
    assert [(f.problem, f.seq) for f in report.findings] == [(ChainProblem.INSERTED, 4)]


def test_verify_command_and_page(office, staff, supervisor, client):
    _a, b, _c = _three(office, staff)
    call_command("verify_duty_log", stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("UPDATE duty_logentry SET text = 'x' WHERE id = %s", [b.pk])
    with pytest.raises(CommandError):
        call_command("verify_duty_log", stdout=io.StringIO())
    client.login(username=supervisor.username, password=PASSWORD)
    page = client.get(reverse("duty:log_verify"), {"office": office.pk})
    assert "第2条记录被改动" in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_concurrent_entries_do_not_fork_the_chain(office, staff):
    """Two entries written at once are numbered one after the other (head row locked)."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    errors = []

    def write(i):
        try:
            services.log_entry_add(actor=staff, office=office, text=f"并发{i}")
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(LogEntry.objects.values_list("seq", flat=True)) == [1, 2, 3, 4, 5, 6]
    assert verify_chain(office.pk).ok


def test_supervisor_signs_as_themselves(office, staff, supervisor, client):
    """000 篇2 §4.3: the supervisor signs each finished shift; the signer is the actor, a
    posted 'signer' is ignored; staff cannot sign; a shift is signed once."""
    now = timezone.now()
    shift = make_shift(office, starts_at=now - datetime.timedelta(hours=20), assignee=staff)
    with pytest.raises(PermissionDeniedError):
        services.shift_log_sign(actor=staff, shift=shift)
    client.login(username=supervisor.username, password=PASSWORD)
    client.post(reverse("duty:shift_sign", args=[shift.pk]), {"signer": staff.pk, "note": "阅"})
    signature = LogEntry.objects.get(kind=EntryKind.SIGNATURE)
    assert signature.author == supervisor and signature.data["signer"] == supervisor.pk
    with pytest.raises(ApplicationError, match="已签阅"):
        services.shift_log_sign(actor=supervisor, shift=shift)
    assert LogEntry.objects.filter(kind=EntryKind.SIGNATURE).count() == 1


def test_unsigned_list_and_running_shift_refused(office, staff, supervisor, client):
    now = timezone.now()
    done = make_shift(office, starts_at=now - datetime.timedelta(hours=20), assignee=staff)
    running = make_shift(office, starts_at=now - datetime.timedelta(hours=1), assignee=staff)
    with pytest.raises(ApplicationError, match="结束后再签阅"):
        services.shift_log_sign(actor=supervisor, shift=running)
    client.login(username=supervisor.username, password=PASSWORD)
    page = client.get(reverse("duty:unsigned"), {"office": office.pk})
    assert list(page.context["shifts"]) == [done]


def test_archive_refuses_younger_than_policy_and_marks(office, staff, tmp_path):
    """000 篇2 §4.1.8 保存期3年: nothing younger than 3 years is archived; older entries are
    exported and a marker entry appended; no row is deleted."""
    now = timezone.now()
    old = now - datetime.timedelta(days=4 * 365)
    services.log_entry_add(actor=staff, office=office, text="旧记录", now=old)
    services.log_entry_add(actor=staff, office=office, text="新记录", now=now)
    with pytest.raises(ApplicationError, match="须保存3年"):
        services.log_archive(office=office, before=timezone.localdate(now), directory=tmp_path)
    with pytest.raises(CommandError):
        call_command(
            "archive_duty_logs", before=timezone.localdate(now).isoformat(), dir=str(tmp_path)
        )
    before = timezone.localdate(now) - datetime.timedelta(days=3 * 366)
    result = services.log_archive(office=office, before=before, directory=tmp_path)
    assert result.count == 1
    exported = json.loads(result.path.read_text())
    assert [e["text"] for e in exported["entries"]] == ["旧记录"]
    assert result.marker.kind == EntryKind.ARCHIVED
    assert LogEntry.objects.count() == 3
    assert services.log_archive(office=office, before=before, directory=tmp_path).count == 0
    assert verify_chain(office.pk).ok


def test_log_page_query_count(office, staff, client):
    """The log list's queries do not grow with its rows."""
    client.login(username=staff.username, password=PASSWORD)
    for i in range(3):
        services.log_entry_add(actor=staff, office=office, text=f"记录{i}")
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("duty:log"), {"office": office.pk}).status_code == 200
    for i in range(20):
        services.log_entry_add(actor=staff, office=office, text=f"更多{i}")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("duty:log"), {"office": office.pk})
    assert len(many) <= len(few)
    assert len(few) <= 12


def test_console_add_entry(office, staff, client):
    client.login(username=staff.username, password=PASSWORD)
    response = client.post(
        f"{reverse('duty:log')}?office={office.pk}", {"text": "夜间巡查正常", "at": ""}
    )
    assert response.status_code == 302
    assert LogEntry.objects.get().author == staff


def test_missed_call_recorded_and_counted(office, staff, client):
    """000 篇2 §4.1.5 电话铃响三声内接听: a late answer is recorded and counted; within the
    policy's rings it is refused as nothing to record."""
    now = timezone.now()
    make_shift(office, starts_at=now - datetime.timedelta(hours=2), assignee=staff)
    with pytest.raises(ApplicationError, match="3声内"):
        services.missed_call_record(actor=staff, office=office, at=now, rings=3, caller="", note="")
    services.missed_call_record(
        actor=staff, office=office, at=now, rings=6, caller="3-1502", note=""
    )
    services.missed_call_record(actor=staff, office=office, at=now, rings=None, caller="", note="")
    client.login(username=staff.username, password=PASSWORD)
    page = client.get(reverse("duty:missed_call_report"), {"office": office.pk})
    assert page.context["total"] == 2
    assert page.context["rows"][0]["count"] == 2


@pytest.mark.parametrize(
    ("period", "message"),
    [
        (
            {"from": "2026-11-30", "to": "2026-11-01"},
            "起始日期(2026-11-30)晚于结束日期(2026-11-01)",
        ),
        ({"from": "2026-02-30"}, "起始日期“2026-02-30”无法识别"),
        ({"to": "本月"}, "结束日期“本月”无法识别"),
    ],
)
def test_missed_call_report_refuses_a_reversed_or_unreadable_period(
    office, staff, client, period, message
):
    """Before, an unreadable date fell back to the default period and a reversed one counted
    nothing as if there had been no missed call; now both are refused with the message (400)."""
    now = timezone.now()
    make_shift(office, starts_at=now - datetime.timedelta(hours=2), assignee=staff)
    services.missed_call_record(actor=staff, office=office, at=now, rings=6, caller="", note="")
    client.login(username=staff.username, password=PASSWORD)
    page = client.get(reverse("duty:missed_call_report"), {"office": office.pk, **period})
    assert page.status_code == 400
    assert message in page.content.decode()
    assert page.context["total"] == 0 and page.context["rows"] == []
    assert 'data-testid="period-error"' in page.content.decode()
