"""Retention (SOP.md §8; 000 篇6 §4.5, 篇8 §4.6): general records are kept 1 year, major ones
5 years, then archived by `manage.py archive_violations`; anything younger is refused and
nothing changes. Statistics by kind, building, outcome, step reached; repeat households."""

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from violations import selectors, services
from violations.choices import EventType, Measure, Outcome
from violations.models import CaseEvent, ViolationCase
from violations.tests.conftest import at, register


def closed_case(manager, office, household, closed, **kw):
    case = register(manager, office, household, now=closed, **kw)
    services.case_close(
        actor=manager, case=case, outcome=Outcome.CORRECTED, note="已整改", now=closed
    )
    return case


def test_general_cases_older_than_a_year_are_exported_and_marked(
    manager, office, household, tmp_path
):
    case = closed_case(manager, office, household, at(2025, 3, 1))
    call_command("archive_violations", before="2025-06-01", dir=str(tmp_path), stdout=io.StringIO())
    case.refresh_from_db()
    assert case.archived_at is not None
    assert CaseEvent.objects.filter(case=case, type=EventType.CASE_ARCHIVED).exists()
    (path,) = tmp_path.glob("*.xlsx")
    sheet = load_workbook(path).active
    assert sheet["A1"].value == "住户违章事件归档清单" and sheet["B4"].value == case.number


def test_a_major_case_younger_than_five_years_is_refused_and_nothing_changes(
    manager, office, household, tmp_path
):
    general = closed_case(manager, office, household, at(2024, 3, 1))
    major = closed_case(manager, office, household, at(2024, 3, 2), harms_residents=True)
    with pytest.raises(CommandError, match="未到保存期限") as error:
        call_command("archive_violations", before="2024-06-01", dir=str(tmp_path))
    assert major.number in str(error.value) and "2029-03-02" in str(error.value)
    assert not ViolationCase.objects.filter(archived_at__isnull=False).exists()
    assert not list(tmp_path.glob("*.xlsx"))
    call_command(
        "archive_violations",
        before="2024-06-01",
        severity="general",
        dir=str(tmp_path),
        stdout=io.StringIO(),
    )
    general.refresh_from_db()
    major.refresh_from_db()
    assert general.archived_at is not None and major.archived_at is None


def test_a_general_case_closed_within_the_year_is_refused(manager, office, household, tmp_path):
    import datetime

    from django.utils import timezone

    recent = closed_case(manager, office, household, timezone.now() - datetime.timedelta(days=30))
    with pytest.raises(CommandError, match="未到保存期限"):
        call_command(
            "archive_violations", before=timezone.localdate().isoformat(), dir=str(tmp_path)
        )
    recent.refresh_from_db()
    assert recent.archived_at is None


def test_open_cases_are_never_archived(manager, office, household, tmp_path):
    register(manager, office, household, now=at(2020, 1, 1))
    out = io.StringIO()
    call_command("archive_violations", before="2021-01-01", dir=str(tmp_path), stdout=out)
    assert "nothing to archive" in out.getvalue()


def test_statistics_count_kind_building_outcome_step_and_repeat_households(
    manager, receptionist, office, household
):
    first = register(receptionist, office, household)
    register(receptionist, office, household, harms_residents=True)
    services.measure_record(
        actor=receptionist,
        case=first,
        data=services.MeasureData(kind=Measure.PERSUASION, reason="劝导"),
    )
    stats = selectors.statistics(user=manager)
    assert stats["total"] == 2
    assert stats["by_kind"] == [{"kind": "hygiene_order", "n": 2}]
    assert stats["by_building"][0]["n"] == 2
    assert stats["by_step"] == [(Measure.PERSUASION, 1)] and stats["no_step"] == 1
    assert stats["repeat"][0]["n"] == 2
