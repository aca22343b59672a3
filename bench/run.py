"""`make bench`: the performance figures of issue #3 on a 1,000,000-request data set.

Generates the data set if the bench database does not hold one of the requested size, starts
gunicorn as in production (DEBUG off, 2 workers) on 127.0.0.1, logs in once (session cookie,
API token), drives each page with wrk (4 connections, bounded in time), times the deadline
sweep in-process, prints a table against the targets, and always stops gunicorn.

Options (environment): BENCH_REQUESTS (1000000), BENCH_DURATION (20 s per HTTP scenario),
BENCH_CONNECTIONS (4), BENCH_THREADS (2), BENCH_WORKERS (gunicorn workers, 2), BENCH_PORT
(8765), BENCH_SCENARIOS (comma list: intake,queue,detail,export,sweep,complaints),
BENCH_REGENERATE=1
(rebuild the data set even if present). Benchmarks print figures; they never fail a build.
"""

import contextlib
import datetime
import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

HOST = "127.0.0.1"  # the only address this harness ever talks to
VENV_BIN = common.ROOT / ".venv" / "bin"
LUA = Path(__file__).resolve().parent / "lua"


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


@dataclass
class Result:
    name: str
    target: str
    rps: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    seconds: float | None = None
    statuses: dict = field(default_factory=dict)
    note: str = ""
    ok: bool | None = None  # None: not measured
    load: str = ""


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# --- Data set --------------------------------------------------------------------------------


def ensure_data(requests: int) -> dict:
    meta = common.read_meta()
    if os.environ.get("BENCH_REGENERATE") == "1" or meta.get("requests") != str(requests):
        print(f"generating the data set ({requests:,} requests) …", flush=True)
        subprocess.run(
            [
                str(VENV_BIN / "python"),
                str(Path(__file__).parent / "generate.py"),
                "--reset",
                "--requests",
                str(requests),
            ],
            check=True,
            env={**os.environ, **common.bench_env()},
        )
        meta = common.read_meta()
    else:
        print(f"data set present: {meta['requests']} requests, generated {meta['generated_at']}")
    # Migrations added since the data set was generated (e.g. indexes) are applied to it.
    subprocess.run(
        [str(VENV_BIN / "python"), "manage.py", "migrate", "--no-input", "-v", "0"],
        check=True,
        cwd=common.ROOT,
        env={**os.environ, **common.bench_env()},
    )
    return meta


# --- In-process: the deadline sweep ------------------------------------------------------------


def restore_backlog(sweep_at: datetime.datetime) -> int:
    """Undo what a timed sweep at `sweep_at` wrote, so that the backlog is there next time.
    (Bench data only: the append-only timeline is edited with SQL here and nowhere else.)"""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "DELETE FROM notifications_outboxmessage WHERE created_at = %s "
            "AND dedupe_key LIKE 'deadline:%%'",
            [sweep_at],
        )
        cur.execute("DELETE FROM service_requests_escalation WHERE at = %s", [sweep_at])
        cur.execute(
            "DELETE FROM service_requests_requestevent WHERE at = %s "
            "AND type IN ('deadline_missed', 'request_escalated')",
            [sweep_at],
        )
        cur.execute(
            "UPDATE service_requests_deadline SET missed_at = NULL, escalation_level = 0, "
            "next_escalation_at = NULL WHERE missed_at = %s",
            [sweep_at],
        )
        return cur.rowcount


def sweep_scenarios(meta: dict) -> list[Result]:
    from django.db import connection

    from service_requests.deadlines import sweep_deadlines
    from service_requests.models import Deadline

    sweep_at = datetime.datetime.fromisoformat(meta["sweep_at"])
    restored = restore_backlog(sweep_at)
    if restored:
        print(f"restored {restored} deadlines swept by an earlier run")
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE service_requests_deadline")
    due = Deadline.objects.filter(
        met_at__isnull=True, cancelled_at__isnull=True, missed_at__isnull=True, due_at__lte=sweep_at
    ).count()
    open_requests = int(meta["open"])
    results = []
    try:
        load = load_average()
        started = time.perf_counter()
        outcome = sweep_deadlines(now=sweep_at)
        backlog_s = time.perf_counter() - started
        results.append(
            Result(
                "sweep: escalate backlog",
                "< 10 s",
                seconds=backlog_s,
                ok=backlog_s < 10,
                note=f"{due:,} overdue → {outcome.missed:,} missed, {outcome.escalated:,} "
                f"escalated, {outcome.notifications:,} notifications",
                load=load,
            )
        )
        times = []
        load = load_average()
        for i in range(5):
            started = time.perf_counter()
            idle = sweep_deadlines(now=sweep_at + datetime.timedelta(seconds=30 * (i + 1)))
            times.append(time.perf_counter() - started)
            assert idle.missed == idle.escalated == 0, idle
        steady = statistics.median(times)
        results.append(
            Result(
                "sweep: steady, nothing due",
                "< 1 s",
                seconds=steady,
                ok=steady < 1,
                note=f"{open_requests:,} open requests; median of 5 "
                f"(max {max(times) * 1000:.1f} ms)",
                load=load,
            )
        )
    finally:
        restore_backlog(sweep_at)
    return results


# --- In-process: the monthly complaint summary -------------------------------------------------

# Bench data only: the generator writes category c requests but no Complaint rows, so this step
# adds one per category c request in one INSERT … SELECT, with a validity, severity and stage
# spread by id and the slip, telling, visit and closing times taken from the request's own.
COMPLAINTS_INSERT = """
INSERT INTO complaints_complaint (
    request_id, office_id, received_at, event_at, event_place, complained_party,
    complained_department_id, what_happened, resident_demand, apologised, recorded_by_id,
    validity, valid_kind, handling, explanation, judged_at, judged_by_id, severity, major_reason,
    emergency, collective_of_id, nonconformity_ref, handed_over_at, handed_over_to_id,
    slip_department_id, slip_sent_at, slip_signed_by, slip_returned_at, slip_handling, told_at,
    told_channel, told_note, told_by_id, answered_at, follow_up_by_id, visited_at, visited_by_id,
    satisfaction, visit_comment, closed_at
)
SELECT
    sr.id, sr.office_id, sr.received_at, NULL, '', '',
    NULL, left(sr.description, 2000), '', TRUE, NULL,
    CASE WHEN sr.id % 20 = 0 THEN 'invalid' WHEN sr.id % 20 = 1 THEN 'coordination'
         ELSE 'valid' END,
    CASE WHEN sr.id % 20 > 1 THEN 'property' ELSE '' END,
    CASE WHEN sr.id % 20 <= 1 THEN 'explanation' ELSE '' END,
    '', sr.received_at + interval '30 minutes', NULL,
    CASE WHEN sr.id % 20 <= 1 THEN '' WHEN sr.id % 10 = 2 THEN 'major'
         WHEN sr.id % 10 IN (3, 4, 5) THEN 'important' ELSE 'minor' END,
    '', '', NULL, '', NULL, NULL,
    CASE WHEN sr.id % 20 > 1 THEN sr.assigned_department_id END,
    CASE WHEN sr.id % 20 > 1 THEN sr.dispatched_at END, '',
    CASE WHEN sr.id % 20 > 1 THEN sr.resolved_at END, '',
    coalesce(sr.confirmed_at, sr.resolved_at),
    CASE WHEN sr.resolved_at IS NULL THEN '' ELSE 'phone' END, '', NULL, NULL, NULL,
    sr.visited_at, NULL, coalesce(sr.satisfaction, ''), '', sr.closed_at
FROM service_requests_servicerequest sr
WHERE sr.category = 'c_complaint'
  AND NOT EXISTS (SELECT 1 FROM complaints_complaint c WHERE c.request_id = sr.id)
"""


def ensure_complaints() -> int:
    """Complaint rows for the data set's category c requests (bench-only; idempotent)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(COMPLAINTS_INSERT)
        added = cur.rowcount
    if added:
        print(f"added {added:,} complaints for the category c requests (bench only)")
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE complaints_complaint")
    return added


def complaint_scenarios(meta: dict) -> list[Result]:
    from django.contrib.auth import get_user_model

    from complaints.models import Complaint
    from complaints.reports import complaint_summary, month_of

    ensure_complaints()
    sweep_at = datetime.datetime.fromisoformat(meta["sweep_at"])
    start, end = month_of(sweep_at.date().replace(day=1) - datetime.timedelta(days=1))
    users = get_user_model().objects.in_bulk(
        [common.BENCH_SUPERVISOR, "hq_general_manager"], field_name="username"
    )
    results = []
    for label, username in (
        ("one office", common.BENCH_SUPERVISOR),
        ("all offices", "hq_general_manager"),
    ):
        user = users[username]
        summary = complaint_summary(user=user, start=start, end=end, now=sweep_at)  # warm-up
        load = load_average()
        times = []
        for _ in range(5):
            started = time.perf_counter()
            complaint_summary(user=user, start=start, end=end, now=sweep_at)
            times.append(time.perf_counter() - started)
        median = statistics.median(times)
        results.append(
            Result(
                f"complaints: monthly summary, {label}",
                "< 200 ms",
                p50_ms=median * 1000,
                ok=median < 0.2,
                note=f"{start:%Y-%m}: {summary.total:,} complaints of "
                f"{Complaint.objects.count():,}; median of 5 (max {max(times) * 1000:.0f} ms)",
                load=load,
            )
        )
    return results


# --- gunicorn ----------------------------------------------------------------------------------


class Server:
    def __init__(self, port: int, workers: int, env: dict):
        self.port = port
        self.workers = workers
        self.env = env
        self.process: subprocess.Popen | None = None
        self.static_root = tempfile.mkdtemp(prefix="estatedesk-bench-static-")
        self.log = Path(tempfile.gettempdir()) / f"estatedesk-bench-gunicorn-{port}.log"

    def start(self) -> None:
        env = {**os.environ, **self.env, "STATIC_ROOT": self.static_root}
        subprocess.run(
            [str(VENV_BIN / "python"), "manage.py", "collectstatic", "--no-input", "-v", "0"],
            check=True,
            cwd=common.ROOT,
            env=env,
        )
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [
                    str(VENV_BIN / "gunicorn"),
                    "estatedesk.wsgi",
                    "-w",
                    str(self.workers),
                    "-b",
                    f"{HOST}:{self.port}",
                    # As in production (docs/production.md): the proxy keeps the access log,
                    # gunicorn writes none; BENCH_ACCESS_LOG=1 prints gunicorn's.
                    *(["--access-logfile", "-"] if os.environ.get("BENCH_ACCESS_LOG") else []),
                    "--timeout",
                    "60",
                    *os.environ.get("BENCH_GUNICORN_ARGS", "").split(),
                ],
                cwd=common.ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        global SERVER_SESSION
        SERVER_SESSION = self.process.pid
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log}")
            with contextlib.suppress(OSError):
                status, _h, _b = http_request(self.port, "GET", "/accounts/login/")
                if status == 200:
                    print(f"gunicorn ready on {HOST}:{self.port} ({self.workers} workers)")
                    return
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer within 60 s; see {self.log}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        shutil.rmtree(self.static_root, ignore_errors=True)


def http_request(port, method, path, body=None, headers=None):
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        connection.close()


def cookies_from(headers) -> dict[str, str]:
    jar = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            key, _sep, rest = value.partition("=")
            jar[key.strip()] = rest.split(";", 1)[0]
    return jar


def login(port: int, username: str) -> str:
    """A session cookie through the real login form (CSRF included)."""
    status, headers, body = http_request(port, "GET", "/accounts/login/")
    csrf = cookies_from(headers)["csrftoken"]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    form = urllib.parse.urlencode(
        {"username": username, "password": common.BENCH_PASSWORD, "csrfmiddlewaretoken": token}
    )
    status, headers, _body = http_request(
        port,
        "POST",
        "/accounts/login/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf}",
            "Referer": f"http://{HOST}:{port}/accounts/login/",
        },
    )
    session = cookies_from(headers).get("sessionid")
    if status != 302 or not session:
        raise RuntimeError(f"login as {username} failed (HTTP {status})")
    return f"sessionid={session}; csrftoken={csrf}"


def api_token(port: int, username: str) -> str:
    status, _headers, body = http_request(
        port,
        "POST",
        "/api/v1/auth/token/",
        body=json.dumps({"username": username, "password": common.BENCH_PASSWORD}),
        headers={"Content-Type": "application/json"},
    )
    if status != 200:
        raise RuntimeError(f"token for {username} failed (HTTP {status}): {body[:200]!r}")
    return json.loads(body)["token"]


# --- wrk ------------------------------------------------------------------------------------------


def lua_string(value: str) -> str:
    """A Lua long string: bytes as they are (LuaJIT reads no \\uXXXX escapes)."""
    assert "]==]" not in value
    return f"[==[{value}]==]"


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu() -> dict[tuple[str, int], float]:
    """CPU seconds used so far by each process that serves a scenario, keyed by (kind, pid):
    gunicorn (the server's session: master and workers) and PostgreSQL (the bench database's
    backends); read from /proc, so the figure per request does not depend on what else loads
    the machine. Compare two readings with cpu_delta (a backend may end in between)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        session, cpu = int(fields[3]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        if name == "postgres":
            try:  # only the bench database's backends, not other databases' test runs
                title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if f" {common.DB_NAME} " in title:
                found[("db", int(entry.name))] = cpu
        elif SERVER_SESSION and session == SERVER_SESSION:
            found[("app", int(entry.name))] = cpu
    return found


def cpu_delta(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds each kind used between two readings (a process that ended in between is
    counted up to the first reading only; one that started counts from zero)."""
    totals = {"app": 0.0, "db": 0.0}
    for key, cpu in after.items():
        totals[key[0]] += cpu - before.get(key, 0.0)
    return totals


def speed_probe() -> float:
    """Seconds of CPU for a fixed pure-Python loop: the same code took 0.84–1.18 s (10 M
    additions) on this virtual machine from one minute to the next with nothing else running,
    so each HTTP figure is printed with the probe taken just before it."""
    started = time.process_time()
    total = 0
    for i in range(5_000_000):
        total += i
    return time.process_time() - started


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all cores since boot (/proc/stat)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


SERVER_SESSION = 0  # the gunicorn master's pid (its session id) once started


def write_script(name: str, prelude: str) -> Path:
    """The scenario's Lua: a generated prelude (headers, paths, bodies) + bench/lua/common.lua."""
    path = Path(tempfile.gettempdir()) / f"estatedesk-bench-{name}.lua"
    path.write_text(prelude + "\n" + (LUA / "common.lua").read_text(), encoding="utf-8")
    return path


def parse_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def run_wrk(port: int, script: Path, path: str, duration: int) -> dict:
    command = [
        "wrk",
        f"-t{env_int('BENCH_THREADS', 2)}",
        f"-c{env_int('BENCH_CONNECTIONS', 4)}",
        f"-d{duration}s",
        "--timeout",
        "30s",
        "--latency",
        "-s",
        str(script),
        f"http://{HOST}:{port}{path}",
    ]
    before_children = os.times()
    output = subprocess.run(
        command, check=True, capture_output=True, text=True, timeout=duration + 60
    ).stdout
    after_children = os.times()
    Path(str(script).removesuffix(".lua") + ".out").write_text(output)
    figures = {"statuses": {}}
    figures["rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    figures["requests"] = int(re.search(r"(\d+) requests in", output).group(1))
    figures["wrk_cpu"] = (after_children.children_user + after_children.children_system) - (
        before_children.children_user + before_children.children_system
    )
    for pct, key in (("50", "p50_ms"), ("99", "p99_ms")):
        figures[key] = parse_ms(re.search(rf"^\s+{pct}(?:\.000)?%\s+(\S+)", output, re.M).group(1))
    for code, count in re.findall(r"^STATUS (\d+) (\d+)$", output, re.M):
        figures["statuses"][int(code)] = int(count)
    errors = re.search(r"Socket errors: (.*)", output)
    figures["socket_errors"] = errors.group(1) if errors else ""
    return figures


@dataclass
class Scenario:
    name: str
    key: str
    target: str
    path: str
    prelude: str
    expect: int
    min_rps: float | None = None
    max_p99: float | None = None
    probe: tuple = ()  # (method, path, body, headers)


def http_result(port: int, scenario: Scenario, duration: int) -> Result:
    method, path, body, headers = scenario.probe
    started = time.perf_counter()
    status, _headers, content = http_request(port, method, path, body=body, headers=headers)
    first_ms = (time.perf_counter() - started) * 1000
    if status == 404:
        return Result(scenario.name, scenario.target, note=f"not available (404 on {path})")
    if status != scenario.expect:
        return Result(
            scenario.name,
            scenario.target,
            ok=False,
            note=f"probe answered HTTP {status}, expected {scenario.expect}: {content[:120]!r}",
        )
    probe = speed_probe()
    load = load_average()
    cpu_before, busy_before = process_cpu(), machine_busy()
    figures = run_wrk(port, write_script(scenario.key, scenario.prelude), scenario.path, duration)
    cpu_after, busy_after = process_cpu(), machine_busy()
    statuses = figures["statuses"]
    bad = sum(n for code, n in statuses.items() if code != scenario.expect)
    ok = bad == 0 and bool(statuses)
    if scenario.min_rps is not None:
        ok = ok and figures["rps"] >= scenario.min_rps
    if scenario.max_p99 is not None:
        ok = ok and figures["p99_ms"] < scenario.max_p99
    note = f"first request {first_ms:.0f} ms, {len(content):,} bytes; speed probe {probe:.2f} s"
    served = max(1, figures["requests"])
    used = cpu_delta(cpu_before, cpu_after)
    app_ms = used["app"] * 1000 / served
    db_ms = used["db"] * 1000 / served
    wrk_ms = figures["wrk_cpu"] * 1000 / served
    busy = (busy_after[0] - busy_before[0]) / max(1, busy_after[1] - busy_before[1]) * 100
    ours = app_ms + db_ms + wrk_ms
    others = max(0.0, busy / 100 * (os.cpu_count() or 1) * 1000 / max(figures["rps"], 1) - ours)
    note += (
        f"; CPU per request: gunicorn {app_ms:.1f} ms, PostgreSQL {db_ms:.1f} ms, wrk "
        f"{wrk_ms:.1f} ms; cores {busy:.0f} % busy, of which other processes ≈ {others:.1f} ms"
        f" per request; ≈ {(os.cpu_count() or 1) * 1000 / max(ours, 0.001):.0f} req/s if the"
        " cores were ours alone"
    )
    if bad or not statuses:
        note += f"; UNEXPECTED statuses {statuses or 'none counted'}"
    if figures["socket_errors"]:
        note += f"; socket errors {figures['socket_errors']}"
    return Result(
        scenario.name,
        scenario.target,
        rps=figures["rps"],
        p50_ms=figures["p50_ms"],
        p99_ms=figures["p99_ms"],
        statuses=statuses,
        ok=ok,
        note=note,
        load=load,
    )


def scenarios(port: int, meta: dict) -> list[Scenario]:
    from django.db.models import Max, Min

    from estates.models import Household
    from organization.models import ManagementOffice
    from service_requests.models import ServiceRequest

    office = ManagementOffice.objects.order_by("pk").first()
    session = login(port, common.BENCH_RECEPTIONIST)
    supervisor_session = login(port, common.BENCH_SUPERVISOR)
    token = api_token(port, common.BENCH_RECEPTIONIST)

    households = list(
        Household.objects.filter(office=office, residents__phone__gt="")
        .values_list("pk", "residents__name", "residents__phone")
        .order_by("pk")[:500]
    )
    bodies = [
        json.dumps(
            {
                "category": "b_repair",
                "channel": "phone",
                "description": "厨房水龙头漏水,关不紧(压测)",
                "household": pk,
                "contact_name": contact,
                "contact_phone": phone,
            },
            ensure_ascii=True,  # ASCII on the wire; the JSON parser reads the \\u escapes
        )
        for pk, contact, phone in households
    ]
    run_id = uuid.uuid4().hex[:12]
    intake_prelude = "\n".join(
        [
            'method = "POST"',
            f"paths = {{{lua_string('/api/v1/requests/')}}}",
            "bodies = {" + ",".join(lua_string(b) for b in bodies) + "}",
            "headers = {",
            f'  ["Authorization"] = {lua_string("Token " + token)},',
            '  ["Content-Type"] = "application/json",',
            "}",
            f"idempotency_prefix = {lua_string(run_id)}",
        ]
    )
    # Detail pages: open and closed requests of the office, spread over two years.
    bounds = ServiceRequest.objects.filter(office=office).aggregate(lo=Min("pk"), hi=Max("pk"))
    step = max(1, (bounds["hi"] - bounds["lo"]) // 15000)
    ids = list(
        ServiceRequest.objects.filter(
            office=office, pk__in=range(bounds["lo"], bounds["hi"], step)
        ).values_list("pk", flat=True)[:1500]
    )
    ids += list(
        ServiceRequest.objects.filter(office=office, status__in=["received", "acknowledged"])
        .values_list("pk", flat=True)
        .order_by("-pk")[:500]
    )
    detail_paths = [f"/requests/{pk}/" for pk in ids]
    sweep_at = datetime.datetime.fromisoformat(meta["sweep_at"])
    last_month_end = sweep_at.date().replace(day=1) - datetime.timedelta(days=1)
    month = (
        f"/reception/help-register.xlsx?office={office.pk}"
        f"&from={last_month_end.replace(day=1)}&to={last_month_end}"
    )

    def get_prelude(paths, cookie):
        return "\n".join(
            [
                'method = "GET"',
                "paths = {" + ",".join(lua_string(p) for p in paths) + "}",
                f'headers = {{ ["Cookie"] = {lua_string(cookie)} }}',
            ]
        )

    probe_key = f"{run_id}-probe"
    return [
        Scenario(
            "API intake POST /api/v1/requests/",
            "intake",
            "≥ 300 req/s",
            "/api/v1/requests/",
            intake_prelude,
            201,
            min_rps=300,
            probe=(
                "POST",
                "/api/v1/requests/",
                bodies[0].encode(),
                {
                    "Authorization": f"Token {token}",
                    "Content-Type": "application/json",
                    "Idempotency-Key": probe_key,
                },
            ),
        ),
        Scenario(
            "queue page /requests/",
            "queue",
            "≥ 300 req/s, p99 < 50 ms",
            "/requests/",
            get_prelude(["/requests/"], session),
            200,
            min_rps=300,
            max_p99=50,
            probe=("GET", "/requests/", None, {"Cookie": session}),
        ),
        Scenario(
            f"detail page /requests/<pk>/ ({len(detail_paths)} ids)",
            "detail",
            "≥ 200 req/s, p99 < 30 ms",
            detail_paths[0],
            get_prelude(detail_paths, session),
            200,
            min_rps=200,
            max_p99=30,
            probe=("GET", detail_paths[0], None, {"Cookie": session}),
        ),
        Scenario(
            f"register export {last_month_end:%Y-%m} (.xlsx, one office)",
            "export",
            "(no target)",
            month,
            get_prelude([month], supervisor_session),
            200,
            probe=("GET", month, None, {"Cookie": supervisor_session}),
        ),
    ]


# --- Report ---------------------------------------------------------------------------------------


def fmt(value, pattern):
    return "—" if value is None else pattern.format(value)


def print_table(results: list[Result], meta: dict, started: float) -> None:
    print()
    print(
        f"EstateDesk bench — {int(meta['requests']):,} requests, {meta['estates']} estates in "
        f"{meta['offices']} offices, {meta['open']} open ({meta['backlog']} overdue, unswept); "
        f"{os.cpu_count()} cores; gunicorn -w {env_int('BENCH_WORKERS', 2)}; "
        f"wrk -c{env_int('BENCH_CONNECTIONS', 4)} -d{env_int('BENCH_DURATION', 20)}s"
    )
    header = f"{'scenario':50} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'time s':>8}  "
    header += f"{'target':26} {'result':7} {'load avg':15} note"
    print(header)
    print("-" * len(header))
    for r in results:
        verdict = {True: "MET", False: "MISSED", None: "—"}[r.ok]
        print(
            f"{r.name[:50]:50} {fmt(r.rps, '{:.0f}'):>8} {fmt(r.p50_ms, '{:.1f}'):>8} "
            f"{fmt(r.p99_ms, '{:.1f}'):>8} {fmt(r.seconds, '{:.2f}'):>8}  {r.target:26} "
            f"{verdict:7} {r.load:15} {r.note}"
        )
    print(
        f"\n(load average at the end: {load_average()}; total {time.monotonic() - started:.0f} s)"
    )


def main() -> int:
    started = time.monotonic()
    requests = env_int("BENCH_REQUESTS", 1_000_000)
    duration = env_int("BENCH_DURATION", 20)
    scenario_names = "intake,queue,detail,export,sweep,complaints"
    wanted = set(os.environ.get("BENCH_SCENARIOS", scenario_names).split(","))
    if shutil.which("wrk") is None:
        print("wrk is missing: run `make bench` (installs it) or apt-get install wrk")
        return 2
    env = common.bench_env()
    os.environ.update(env)
    meta = ensure_data(requests)
    common.setup_django()
    results: list[Result] = []
    if "sweep" in wanted:
        results += sweep_scenarios(meta)
    if "complaints" in wanted:
        results += complaint_scenarios(meta)
    http_wanted = wanted & {"intake", "queue", "detail", "export"}
    server = Server(env_int("BENCH_PORT", 8765), env_int("BENCH_WORKERS", 2), env)
    try:
        if http_wanted:
            server.start()
            for scenario in scenarios(server.port, meta):
                if scenario.key not in http_wanted:
                    continue
                print(f"running {scenario.name} for {duration} s …", flush=True)
                results.append(http_result(server.port, scenario, duration))
    finally:
        server.stop()
    print_table(results, meta, started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
