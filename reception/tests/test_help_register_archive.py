"""The help register's yearly archive and retention (SOP.md §2 records; 000 篇3 §4.10:
《住户求助登记表》于次年年初归入管理处统一归档,保存期2年).

Files go to a temporary ARCHIVE_DIR; nothing is written into the repository."""

import hashlib
import io
import json
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from core.exceptions import ApplicationError, PermissionDeniedError
from core.testing import PASSWORD, make_department, make_office, make_staff
from notifications.models import OutboxMessage
from organization.choices import DepartmentKind
from reception import archive
from reception.choices import EventType, Register
from reception.jobs import remind_help_register_archive
from reception.models import HelpRegisterArchive, RegisterEvent
from reception.services import help_register_archive
from reception.tests.conftest import after_sales_request, at
from service_requests import services
from service_requests.choices import Category, Channel, ConfirmationChannel, Status

ARCHIVED_ON = at(2026, 1, 5, 10, 0)  # the start of the next year


@pytest.fixture(autouse=True)
def archive_dir(tmp_path, settings):
    settings.ARCHIVE_DIR = tmp_path / "archive"
    return settings.ARCHIVE_DIR


def _close(actor, request, day):
    request = services.request_set_appointment(
        actor=actor,
        request=request,
        version=request.version,
        promised_at=at(day.year, day.month, day.day, 17, 0),
        now=request.received_at,
    )
    request = services.request_resolve(
        actor=actor, request=request, version=request.version, result="已修好", now=day
    )
    request = services.request_confirm(
        actor=actor,
        request=request,
        version=request.version,
        channel=ConfirmationChannel.PHONE,
        now=day,
    )
    return services.request_close(actor=actor, request=request, version=request.version, now=day)


@pytest.fixture
def year_2025(receptionist, supervisor, office, household):
    """Three requests of 2025, all finished (closed, referred, cancelled), and one on each side
    of the year."""
    closed = _close(
        receptionist,
        after_sales_request(receptionist, office, household, now=at(2025, 3, 2)),
        at(2025, 3, 3),
    )
    utility = make_department(None, "自来水公司", DepartmentKind.UTILITY, company=office.company)
    referred = after_sales_request(
        receptionist, office, household, now=at(2025, 7, 1), description="小区停水"
    )
    referred = services.request_refer(
        actor=receptionist,
        request=referred,
        version=referred.version,
        party=utility,
        resident_told="已告知住户自来水公司电话",
        now=at(2025, 7, 1, 9, 10),
    )
    cancelled = after_sales_request(receptionist, office, household, now=at(2025, 12, 31, 23, 50))
    cancelled = services.request_cancel(
        actor=supervisor,
        request=cancelled,
        version=cancelled.version,
        reason="重复登记",
        now=at(2026, 1, 1, 8, 0),
    )
    after_sales_request(receptionist, office, household, now=at(2024, 12, 31, 23, 59))
    after_sales_request(receptionist, office, household, now=at(2026, 1, 1, 0, 0))
    return [closed, referred, cancelled]


def _state():
    return (
        HelpRegisterArchive.objects.count(),
        RegisterEvent.objects.filter(register=Register.HELP_REGISTER_ARCHIVE).count(),
    )


def _files(root):
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_archive_writes_the_register_and_the_data_with_their_hashes(
    manager, office, year_2025, archive_dir
):
    """000 篇3 §4.10: the year's register is filed at the start of the next year; the files'
    SHA-256 are recorded, with a register event, and no request is deleted."""
    row = help_register_archive(actor=manager, office=office, year=2025, now=ARCHIVED_ON)

    assert (row.request_count, row.year, row.archived_by) == (3, 2025, manager)
    assert row.retention_years == 2 and row.keep_until.isoformat() == "2027-12-31"
    folder = archive_dir / "help-register" / office.code / "2025"
    register = (folder / row.register_file).read_bytes()
    data = (folder / row.data_file).read_bytes()
    assert hashlib.sha256(register).hexdigest() == row.register_sha256
    assert hashlib.sha256(data).hexdigest() == row.data_sha256

    sheet = load_workbook(io.BytesIO(register)).active
    assert sheet["A1"].value == "阳光家园管理处 住户求助登记表"
    assert sheet["A2"].value == "期间:2025-01-01 至 2025-12-31"
    assert sheet["A3"].value == "序号" and sheet["O3"].value == "是否及时"
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=4)]
    assert [r[0] for r in rows] == [1, 2, 3]
    assert [r[1] for r in rows] == ["2025-03-02 09:00", "2025-07-01 09:00", "2025-12-31 23:50"]
    assert rows[0][10] == "已修好"
    assert "已转介自来水公司" in rows[1][15] and "已撤销:重复登记" in rows[2][15]

    payload = json.loads(data)
    assert payload["year"] == 2025 and payload["office"]["code"] == office.code
    assert [r["number"] for r in payload["requests"]] == [r.number for r in year_2025]
    first = payload["requests"][0]
    assert first["status"] == Status.CLOSED
    assert next(e["type"] for e in first["events"]) == "request_received"
    deadlines = [d for r in payload["requests"] for d in r["deadlines"]]
    assert deadlines and all("escalations" in d and d["policy_key"] for d in deadlines)
    assert payload["counts"] == {
        "requests": 3,
        "events": row.event_count,
        "deadlines": row.deadline_count,
    }
    assert row.event_count == sum(len(r["events"]) for r in payload["requests"]) > 3

    event = RegisterEvent.objects.get(register=Register.HELP_REGISTER_ARCHIVE, object_id=row.pk)
    assert event.type == EventType.HELP_REGISTER_ARCHIVED and event.actor == manager
    assert event.data["files"] == {
        row.register_file: row.register_sha256,
        row.data_file: row.data_sha256,
    }
    assert all(r.__class__.objects.filter(pk=r.pk).exists() for r in year_2025)


def test_the_current_year_is_not_over_and_nothing_is_written(manager, office, archive_dir):
    """于次年年初归档: the current (or a future) year cannot be filed yet."""
    for year in (2026, 2027):
        with pytest.raises(ApplicationError) as refused:
            help_register_archive(actor=manager, office=office, year=year, now=ARCHIVED_ON)
        assert refused.value.code == "year_not_over"
        assert "尚未结束" in refused.value.message
    assert _state() == (0, 0) and _files(archive_dir) == []


def test_a_year_is_archived_once_and_the_refusal_says_where(
    manager, office, year_2025, archive_dir
):
    first = help_register_archive(actor=manager, office=office, year=2025, now=ARCHIVED_ON)
    before = {p: p.read_bytes() for p in archive_dir.rglob("*") if p.is_file()}

    with pytest.raises(ApplicationError) as refused:
        help_register_archive(actor=manager, office=office, year=2025, now=at(2026, 2, 1))
    assert refused.value.code == "already_archived"
    assert "已于2026-01-05 10:00归档" in refused.value.message
    assert first.directory in refused.value.message
    assert refused.value.extra["directory"] == str(archive_dir / first.directory)
    assert _state() == (1, 1)
    assert {p: p.read_bytes() for p in archive_dir.rglob("*") if p.is_file()} == before


def test_open_requests_block_the_archive_naming_them(
    receptionist, manager, office, household, year_2025, archive_dir
):
    """Staff close or refer what is still open first (严禁推诿: nothing is filed half-done)."""
    still_open = [
        after_sales_request(receptionist, office, household, now=at(2025, 11, day))
        for day in range(1, 8)
    ]
    with pytest.raises(ApplicationError) as refused:
        help_register_archive(actor=manager, office=office, year=2025, now=ARCHIVED_ON)
    assert refused.value.code == "requests_open"
    assert "还有7件求助未办结" in refused.value.message
    assert still_open[0].number in refused.value.message
    assert still_open[6].number not in refused.value.message  # the first five, then 等
    assert refused.value.extra["count"] == 7
    assert _state() == (0, 0) and _files(archive_dir) == []


def test_only_the_office_manager_of_the_office_may_archive(
    supervisor, outsider, office, year_2025, archive_dir
):
    with pytest.raises(PermissionDeniedError):
        help_register_archive(actor=supervisor, office=office, year=2025, now=ARCHIVED_ON)
    other_manager = make_staff("office_manager", offices=[outsider.staff.offices.first()])
    with pytest.raises(ApplicationError) as refused:
        help_register_archive(actor=other_manager, office=office, year=2025, now=ARCHIVED_ON)
    assert refused.value.code == "not_found"
    assert _state() == (0, 0) and _files(archive_dir) == []


def test_an_empty_year_is_archived_as_an_empty_register(manager, office, archive_dir):
    row = help_register_archive(actor=manager, office=office, year=2024, now=ARCHIVED_ON)
    assert row.request_count == 0
    assert list(_files(archive_dir)) == [row.data_file, row.register_file]


# --- The command and verification -------------------------------------------------------------


def test_the_command_archives_and_verify_finds_a_changed_or_missing_file(
    manager, office, year_2025, archive_dir, capsys
):
    """Retention (2 years) means the filed copy must stay as it was: --verify re-reads each
    file's SHA-256 and names the one that changed or went missing (exit status 1)."""
    call_command("archive_help_register", year=2025, office=office.code, by=manager.username)
    row = HelpRegisterArchive.objects.get(office=office, year=2025)
    assert row.archived_by == manager
    assert row.register_sha256 in capsys.readouterr().out

    call_command("archive_help_register", verify=True)
    assert capsys.readouterr().out.count(" OK") == 2

    data = archive.file_path(row, row.data_file)
    data.write_bytes(data.read_bytes().replace("已修好".encode(), "未修好".encode()))
    with pytest.raises(CommandError, match="1 archived file"):
        call_command("archive_help_register", verify=True, office=office.code)
    out = capsys.readouterr().out
    assert f"{row.data_file} MODIFIED" in out and f"{row.register_file} OK" in out

    archive.file_path(row, row.register_file).unlink()
    with pytest.raises(CommandError, match="2 archived file"):
        call_command("archive_help_register", verify=True, year=2025)
    assert f"{row.register_file} MISSING" in capsys.readouterr().out


def test_the_command_refuses_the_current_year_with_the_chinese_message(office, capsys):
    with pytest.raises(CommandError, match="not archived"):
        call_command("archive_help_register", year=2099, office=office.code)
    assert "尚未结束" in capsys.readouterr().err
    assert _state() == (0, 0)


def test_the_command_checks_the_named_users_authority(supervisor, office, year_2025, capsys):
    with pytest.raises(CommandError):
        call_command("archive_help_register", year=2025, by=supervisor.username)
    assert "无权归档住户求助登记表" in capsys.readouterr().err
    assert _state() == (0, 0)


# --- The console page ------------------------------------------------------------------------


def _login(client, user):
    client.login(username=user.username, password=PASSWORD)


def test_the_manager_archives_from_the_page_and_downloads_the_files(
    client, manager, office, year_2025, archive_dir
):
    _login(client, manager)
    url = reverse("reception:archive_list")
    assert client.get(reverse("reception:index")).content.decode().count(url) == 1

    response = client.post(url, {"office": office.pk, "year": 2025}, follow=True)
    assert response.status_code == 200
    assert "已归档住户求助登记表" in response.content.decode()
    row = HelpRegisterArchive.objects.get(office=office, year=2025)
    for kind, _name, sha in row.files:
        download = client.get(reverse("reception:archive_download", args=[row.pk, kind]))
        assert download.status_code == 200
        content = b"".join(download.streaming_content)
        assert hashlib.sha256(content).hexdigest() == sha
    verified = client.get(url, {"office": office.pk, "verify": 1}).content.decode()
    assert verified.count("完好") == 2

    again = client.post(url, {"office": office.pk, "year": 2025})
    assert "已于" in again.content.decode() and HelpRegisterArchive.objects.count() == 1


def test_the_page_shows_the_refusal_in_chinese(
    client, manager, receptionist, office, household, year_2025, archive_dir
):
    after_sales_request(receptionist, office, household, now=at(2025, 12, 30))
    _login(client, manager)
    response = client.post(reverse("reception:archive_list"), {"office": office.pk, "year": 2025})
    assert response.status_code == 200
    assert "还有1件求助未办结" in response.content.decode()
    assert _state() == (0, 0) and _files(archive_dir) == []


def test_the_supervisor_reads_but_cannot_archive(client, supervisor, office, year_2025):
    _login(client, supervisor)
    url = reverse("reception:archive_list")
    page = client.get(url)
    assert page.status_code == 200 and 'name="year"' not in page.content.decode()
    assert client.post(url, {"office": office.pk, "year": 2025}).status_code == 403
    assert _state() == (0, 0)


def test_the_receptionist_has_no_archive_page(client, receptionist):
    _login(client, receptionist)
    assert client.get(reverse("reception:archive_list")).status_code == 403


def test_another_offices_archive_is_not_found(client, manager, office, year_2025, other_office):
    row = help_register_archive(actor=manager, office=office, year=2025, now=ARCHIVED_ON)
    stranger = make_staff("office_manager", offices=[other_office])
    _login(client, stranger)
    page = client.get(reverse("reception:archive_list"), {"office": office.pk})
    assert row.register_sha256[:8] not in page.content.decode()  # their own office shown
    for kind in ("register", "data"):
        url = reverse("reception:archive_download", args=[row.pk, kind])
        assert client.get(url).status_code == 404
    _login(client, manager)
    url = reverse("reception:archive_download", args=[row.pk, "other"])
    assert client.get(url).status_code == 404


# --- The January reminder --------------------------------------------------------------------


def test_the_supervisor_is_reminded_once_in_january_until_archived(
    supervisor, manager, office, year_2025, other_office
):
    """于次年年初归档: from 1 January (policy help_register.archive_remind_day), the
    supervisor is reminded once a year while last year's register is not archived; an office
    that received nothing last year is not reminded."""
    idle_supervisor = make_staff("cs_supervisor", offices=[other_office])

    assert remind_help_register_archive(at(2026, 1, 1, 8, 0)) == 1
    assert not OutboxMessage.objects.filter(recipient=idle_supervisor).exists()
    notice = OutboxMessage.objects.get(recipient=supervisor)
    assert "2025年住户求助登记表未归档" in notice.subject
    assert notice.link.startswith(reverse("reception:archive_list"))
    assert remind_help_register_archive(at(2026, 1, 1, 8, 1)) == 0
    assert remind_help_register_archive(at(2026, 1, 20, 9, 0)) == 0
    assert OutboxMessage.objects.count() == 1


def test_no_reminder_once_the_year_is_archived(supervisor, manager, office, year_2025):
    help_register_archive(actor=manager, office=office, year=2025, now=ARCHIVED_ON)
    assert remind_help_register_archive(at(2026, 1, 6, 8, 0)) == 0
    assert not OutboxMessage.objects.exists()


def test_the_reminder_waits_for_the_policy_day(supervisor, manager, office, year_2025):
    from policies.services import policy_update

    policy_update(
        actor=manager,
        office=office,
        changes={"help_register.archive_remind_day": 10},
        note="春节后归档",
    )
    assert remind_help_register_archive(at(2026, 1, 9, 8, 0)) == 0
    assert remind_help_register_archive(at(2026, 1, 10, 8, 0)) == 1


def test_a_failure_after_writing_leaves_no_file_and_no_row(
    manager, office, year_2025, archive_dir, monkeypatch
):
    """Whole or nothing: if recording the archive fails, the files just written are removed."""
    from reception import services as reception_services

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(reception_services, "_event", broken)
    with pytest.raises(RuntimeError):
        help_register_archive(actor=manager, office=office, year=2025, now=ARCHIVED_ON)
    assert _state() == (0, 0) and _files(archive_dir) == []


def test_the_worker_cycle_sends_the_reminder(supervisor, office, year_2025):
    call_command("worker", once=True, now="2026-01-02T09:00:00+08:00")
    call_command("worker", once=True, now="2026-01-03T09:00:00+08:00")
    # Once, however many cycles (the same cycles also escalate the open repairs' missed
    # completion limits to the supervisor: other messages).
    reminders = OutboxMessage.objects.filter(recipient=supervisor, subject__contains="未归档")
    assert reminders.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
@pytest.mark.django_db(transaction=True)
def test_two_archives_at_once_file_the_year_once_and_intake_goes_on(archive_dir):
    """Two managers press 归档 at once: the second waits for the first and is refused as
    already archived. Meanwhile the desk keeps receiving requests for the office: the archive's
    lock (NO KEY UPDATE on the office) does not hold up rows that reference it."""
    call_command("sync_roles", verbosity=0)  # an earlier transactional test's flush emptied them
    office = make_office("并发管理处")
    managers = [make_staff("office_manager", offices=[office]) for _ in range(2)]
    receptionist = make_staff("cs_staff", offices=[office])
    first_holds = threading.Event()
    intake_done = threading.Event()
    real_write = archive.write_files
    outcome, errors = {}, []

    def write_and_hold(directory, files):
        written = real_write(directory, files)
        if threading.current_thread().name == "first":
            first_holds.set()
            outcome["intake_while_held"] = intake_done.wait(20)
        return written

    def first():
        try:
            outcome["first"] = help_register_archive(
                actor=managers[0], office=office, year=2025, now=ARCHIVED_ON
            )
        except Exception as exc:  # reported below; a thread's exception is otherwise lost
            errors.append(exc)
        finally:
            connection.close()

    def second():
        try:
            first_holds.wait(20)
            services.request_intake(
                actor=receptionist,
                office=office,
                data=services.IntakeData(
                    category=Category.REPAIR,
                    channel=Channel.PHONE,
                    description="大堂灯不亮",
                    location="1栋大堂",
                    reply_now="已登记,马上派工",
                ),
                now=ARCHIVED_ON,
            )
            intake_done.set()
            help_register_archive(actor=managers[1], office=office, year=2025, now=ARCHIVED_ON)
        except ApplicationError as exc:
            outcome["second"] = exc.code
        except Exception as exc:
            errors.append(exc)
        finally:
            intake_done.set()
            connection.close()

    archive.write_files = write_and_hold
    try:
        threads = [threading.Thread(target=f, name=f.__name__) for f in (first, second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        archive.write_files = real_write
    assert not errors, errors
    assert outcome["intake_while_held"] is True
    assert outcome["second"] == "already_archived"
    assert HelpRegisterArchive.objects.filter(office=office).count() == 1
    assert hashlib.sha256(
        archive.file_path(outcome["first"], outcome["first"].data_file).read_bytes()
    ).hexdigest() == (outcome["first"].data_sha256)
