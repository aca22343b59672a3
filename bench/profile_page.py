"""Profile one hot page in-process on the bench data set (docs/performance.md).

    .venv/bin/python bench/profile_page.py queue            # ms per request, warm
    .venv/bin/python bench/profile_page.py detail --profile # and the top functions (cProfile)
    .venv/bin/python bench/profile_page.py intake -n 300
    .venv/bin/python bench/profile_page.py queue --instructions   # under callgrind (below)

Runs the real middleware stack through Django's test client (DEBUG off, production settings,
the `estatedesk_bench` database on 127.0.0.1) as the bench's receptionist. What it prints is
CPU time of one process: the figure a gunicorn sync worker spends per request, without the
network and wrk. It writes nothing but intake requests (bench data only).

--instructions runs the same under valgrind's callgrind and prints the machine instructions per
request, counted only around the timed requests. Unlike seconds, that count does not move with
this virtual machine's speed (which changes 2× from one minute to the next) or with other
processes on the cores: two runs of the same code agree within about 1 %, so it is the figure to
compare a change with. It takes about two minutes (valgrind is ~40× slower).
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", choices=["queue", "detail", "intake", "login", "notfound"])
    parser.add_argument("-n", type=int, default=200, help="timed requests (after 20 warm-up)")
    parser.add_argument("--profile", action="store_true", help="print the top functions")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument(
        "--cpu-clock",
        action="store_true",
        help="profile with the process's CPU clock (the database's time left out)",
    )
    parser.add_argument("--limit", type=int, default=45)
    parser.add_argument(
        "--instructions", action="store_true", help="count instructions per request (callgrind)"
    )
    args = parser.parse_args()
    if args.instructions and not os.environ.get("ESTATEDESK_UNDER_CALLGRIND"):
        sys.exit(count_instructions(args))

    # Static files as in production (a manifest), collected once into a temporary folder.
    os.environ["STATIC_ROOT"] = str(Path(tempfile.gettempdir()) / "estatedesk-bench-static")
    env = {**common.bench_env(), **os.environ}
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=common.ROOT,
        env=env,
        check=True,
    )
    common.setup_django()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token

    from estates.models import Household
    from organization.models import ManagementOffice
    from service_requests.models import ServiceRequest

    user = get_user_model().objects.get(username=common.BENCH_RECEPTIONIST)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    office = ManagementOffice.objects.order_by("pk").first()

    if args.page == "queue":
        paths = ["/requests/"]

        def call(i):
            return client.get(paths[0])

    elif args.page == "detail":
        ids = list(
            ServiceRequest.objects.filter(office=office)
            .order_by("-pk")
            .values_list("pk", flat=True)[:2000:7]
        )

        def call(i):
            return client.get(f"/requests/{ids[i % len(ids)]}/")

    elif args.page == "intake":
        token, _ = Token.objects.get_or_create(user=user)
        api = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {token.key}")
        households = list(
            Household.objects.filter(office=office, residents__phone__gt="")
            .values_list("pk", "residents__name", "residents__phone")
            .order_by("pk")[:500]
        )
        run = uuid.uuid4().hex[:10]

        def call(i):
            pk, name, phone = households[i % len(households)]
            body = {
                "category": "b_repair",
                "channel": "phone",
                "description": "厨房水龙头漏水,关不紧(压测)",
                "household": pk,
                "contact_name": name,
                "contact_phone": phone,
            }
            return api.post(
                "/api/v1/requests/",
                json.dumps(body),
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY=f"{run}-{i}",
            )

    elif args.page == "login":

        def call(i):
            return client.get("/accounts/login/")

    else:

        def call(i):
            return client.get("/no-such-page/")

    for i in range(20):
        response = call(i)
    print(f"{args.page}: HTTP {response.status_code}, {len(response.content):,} bytes")
    with CaptureQueriesContext(connection) as queries:
        call(20)
    print(f"{len(queries)} queries warm")

    if args.instructions:  # under callgrind: count from here to the end of the timed requests
        subprocess.run(["callgrind_control", "--instr=on", str(os.getpid())], check=True)
    clock = (time.process_time,) if args.cpu_clock else ()
    profiler = cProfile.Profile(*clock) if args.profile else None
    if profiler:
        profiler.enable()
    # Five rounds: the lowest is the figure least disturbed by other processes on the cores.
    rounds, per_round, done = [], max(1, args.n // 5), 21
    for _round in range(5):
        started_cpu, started = time.process_time(), time.perf_counter()
        for i in range(per_round):
            call(done + i)
        done += per_round
        rounds.append(
            (
                (time.process_time() - started_cpu) / per_round * 1000,
                (time.perf_counter() - started) / per_round * 1000,
            )
        )
    if profiler:
        profiler.disable()
    if args.instructions:
        subprocess.run(["callgrind_control", "--instr=off", str(os.getpid())], check=True)
    cpu = sorted(r[0] for r in rounds)
    wall = sorted(r[1] for r in rounds)
    print(
        f"{per_round * 5} requests in 5 rounds: CPU per request {cpu[0]:.2f} ms (lowest round), "
        f"{cpu[2]:.2f} ms (median); wall {wall[0]:.2f} / {wall[2]:.2f} ms (the database's time "
        "is in wall only)"
    )
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.limit)
        print(out.getvalue())


def count_instructions(args) -> int:
    """Run this script again under callgrind (collection off until the timed requests) and
    print the instructions per request from callgrind's summary."""
    timed = max(1, args.n // 5) * 5
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        command = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={out}",
            sys.executable,
            __file__,
            args.page,
            "-n",
            str(args.n),
            "--instructions",
        ]
        env = {**os.environ, "ESTATEDESK_UNDER_CALLGRIND": "1", "PYTHONHASHSEED": "0"}
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            print(done.stdout, done.stderr, sep="\n")
            return done.returncode
        lines = out.read_text().splitlines()
        # "totals:" (the whole run) when callgrind wrote it, else "summary:"
        total = max(
            int(line.split()[1]) for line in lines if line.startswith(("totals:", "summary:"))
        )
    print(next(line for line in done.stdout.splitlines() if "HTTP" in line))
    print(
        f"{args.page}: {total / timed / 1e6:.2f} M instructions per request "
        f"({timed} requests under callgrind, {time.perf_counter() - started:.0f} s)"
    )
    return 0


if __name__ == "__main__":
    main()
