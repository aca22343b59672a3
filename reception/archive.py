"""The files of the help register's yearly archive (住户求助登记表于次年年初归档, 000 篇3 §4.10):
what goes into them, where they live, and checking them later.

The write itself — refusals, the archive row and its register event — is
`reception.services.help_register_archive`; this module only builds bytes and reads files.

Layout under settings.ARCHIVE_DIR (default var/archive, ESTATEDESK_ARCHIVE_DIR):

    help-register/<office code>/<year>/help-register-<office code>-<year>.xlsx
    help-register/<office code>/<year>/help-register-<office code>-<year>.json
"""

import datetime
import decimal
import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.utils import timezone, translation

from reception import exports, selectors

FORMAT = "estatedesk.help_register_archive/1"
# Prefetch batches while reading a year: bounded memory for the Django objects.
CHUNK = 1000


def archive_root() -> Path:
    return Path(settings.ARCHIVE_DIR)


def relative_directory(office, year: int) -> str:
    return f"help-register/{office.code}/{year}"


def file_stem(office, year: int) -> str:
    return f"help-register-{office.code}-{year}"


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def keep_until(year: int, retention_years: int) -> datetime.date:
    """Filed at the start of the next year and kept N years from then: the register of 2025,
    kept 2 years, is kept until 2027-12-31 (000 篇3 §4.10)."""
    return datetime.date(year + 1 + retention_years, 1, 1) - datetime.timedelta(days=1)


# --- Contents -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArchiveContent:
    register: bytes  # the Excel register
    data: bytes  # the JSON export
    request_count: int
    event_count: int
    deadline_count: int


def _json_value(value):
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or ""
    return value


def _plain(obj) -> dict:
    """Every stored column of a row, foreign keys as their id (`household_id`): complete, and
    still readable when the code that wrote it has changed."""
    return {f.attname: _json_value(getattr(obj, f.attname)) for f in obj._meta.concrete_fields}


def _rows(queryset):
    return queryset.prefetch_related(
        "events", "deadlines__escalations", "emergency_steps", "attachments"
    ).iterator(chunk_size=CHUNK)


def build(*, office, year: int, now: datetime.datetime) -> ArchiveContent:
    """The register (its columns, as the console exports it) and the JSON export of every
    request of the year with its timeline, deadlines (and escalations), emergency steps and
    attachment records. The Excel file is always in Chinese, whatever the user's language."""
    from service_requests.reports import request_is_on_time

    requests = []
    register_rows = []
    users: dict[int, str] = {}
    departments: dict[int, str] = {}
    households: dict[int, str] = {}
    events = deadlines = 0
    with translation.override(settings.LANGUAGE_CODE):
        qs = selectors.help_register_year(office=office, year=year)
        for number, request in enumerate(_rows(qs), start=1):
            register_rows.append(
                exports.help_register_row(number, request, request_is_on_time(request, now))
            )
            item = _plain(request)
            item["number"] = request.number
            item["events"] = [_plain(e) for e in request.events.all()]
            item["deadlines"] = [
                {**_plain(d), "escalations": [_plain(x) for x in d.escalations.all()]}
                for d in request.deadlines.all()
            ]
            item["emergency_steps"] = [_plain(s) for s in request.emergency_steps.all()]
            item["attachments"] = [_plain(a) for a in request.attachments.all()]
            requests.append(item)
            events += len(item["events"])
            deadlines += len(item["deadlines"])
            for user in (request.entered_by, request.assignee):
                if user is not None:
                    users[user.pk] = exports.staff_name(user)
            for department in (request.assigned_department, request.referred_to):
                if department is not None:
                    departments[department.pk] = department.name
            if request.household is not None:
                households[request.household.pk] = request.household.unit.label
        _add_actor_names(requests, users)
        register = exports.build_workbook(
            title=f"{office.name} {exports.HELP_REGISTER_TITLE}",
            subtitle=exports.period_text(datetime.date(year, 1, 1), datetime.date(year, 12, 31)),
            columns=exports.HELP_REGISTER_COLUMNS,
            rows=register_rows,
        )
    payload = {
        "format": FORMAT,
        "office": {"id": office.pk, "code": office.code, "name": office.name},
        "year": year,
        "period": {
            "from": selectors.year_bounds(year)[0].isoformat(),
            "until": selectors.year_bounds(year)[1].isoformat(),
        },
        "exported_at": timezone.localtime(now).isoformat(),
        "counts": {"requests": len(requests), "events": events, "deadlines": deadlines},
        "users": {str(k): v for k, v in sorted(users.items())},
        "departments": {str(k): v for k, v in sorted(departments.items())},
        "households": {str(k): v for k, v in sorted(households.items())},
        "requests": requests,
    }
    data = json.dumps(payload, ensure_ascii=False, indent=1).encode("utf-8")
    return ArchiveContent(register, data, len(requests), events, deadlines)


def _add_actor_names(requests: list[dict], users: dict[int, str]) -> None:
    """Name every user the timelines mention (one query for those not named yet)."""
    from django.contrib.auth import get_user_model

    wanted = set()
    for item in requests:
        for event in item["events"]:
            wanted.add(event["actor_id"])
        for step in item["emergency_steps"]:
            wanted.add(step["done_by_id"])
        for attachment in item["attachments"]:
            wanted.add(attachment["uploaded_by_id"])
    wanted -= {None, *users}
    for user in get_user_model().objects.filter(pk__in=wanted).select_related("staff"):
        users[user.pk] = exports.staff_name(user)


# --- Files ----------------------------------------------------------------------------------


def write_files(directory: Path, files: dict[str, bytes]) -> list[Path]:
    """Write each file whole or not at all (a temporary name, fsync, then rename)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    try:
        for name, content in files.items():
            path = directory / name
            temporary = directory / f".{name}.partial"
            with open(temporary, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
            written.append(path)
    except BaseException:
        remove_files(written)
        raise
    return written


def remove_files(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def file_path(archive, name: str) -> Path:
    return archive_root() / archive.directory / name


# --- Verification ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FileCheck:
    name: str
    expected: str
    actual: str | None  # None: the file is missing

    @property
    def ok(self) -> bool:
        return self.actual == self.expected

    @property
    def problem(self) -> str:
        if self.actual is None:
            return "missing"
        return "" if self.ok else "modified"


def verify(archive) -> list[FileCheck]:
    """Re-read each archived file and compare its SHA-256 with the one recorded at archiving."""
    checks = []
    for _kind, name, expected in archive.files:
        path = file_path(archive, name)
        try:
            digest = hashlib.sha256()
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
            actual = digest.hexdigest()
        except FileNotFoundError:
            actual = None
        checks.append(FileCheck(name, expected, actual))
    return checks
