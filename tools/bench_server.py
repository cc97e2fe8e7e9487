"""Server bench: the pages' CPU cost in a real gunicorn worker, against hello world served by
the same worker in the same run; a new worker's first request; memory per worker.

Run by `make bench` (demo data) and `make bench-caseload` (10,000 patients). A developer
tool: nothing in the app imports it. It uses the database in DATABASE_URL (seeded by
seed_demo), runs gunicorn with gunicorn.conf.py in the production profile (DEBUG off) with
one worker on a free loopback port, and reads the worker's own CPU time (utime + stime in
/proc/<pid>/stat) around each batch of requests: steadier on a busy machine than wall
time, which it prints too. With SQLite the database engine runs inside the worker; with
PostgreSQL the CPU of the server processes serving the worker is added (same machine).

    DATABASE_URL=... python tools/bench_server.py [--requests 200] [--caseload-only]
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path

from cpu_reference import cpu_reference  # beside this script, which runs as one

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TICK_MS = 1000 / os.sysconf("SC_CLK_TCK")
TOKEN_PREFIX = "bench-"  # noqa: S105 - a prefix of session tokens, no secret
# What each library maps into a process that imported it (they load C libraries).
LIBRARIES = {"WeasyPrint (Pango)": "libpango", "CairoSVG (Cairo)": "libcairo", "Pillow": "/PIL/"}


def production_env(port: int) -> dict:
    from cryptography.fernet import Fernet

    env = dict(os.environ)
    env.update(
        DEBUG="False",
        SECRET_KEY=secrets.token_urlsafe(64),
        MFA_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="False",
        REQUIRE_2FA="False",
        EMAIL_HOST="127.0.0.1",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_LOG_LEVEL="warning",
        # One log line per request would bury the figures (and cost CPU).
        LOG_LEVEL="WARNING",
        WEB_CONCURRENCY="1",
        DJANGO_SETTINGS_MODULE="clinic.settings",
    )
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_ms(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * TICK_MS  # utime, stime


def memory_mb(pid: int) -> dict:
    rows = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        rows[name] = int(value.split()[0]) / 1024
    return {
        "rss": rows.get("Rss", 0),
        "pss": rows.get("Pss", 0),
        "private": rows.get("Private_Clean", 0) + rows.get("Private_Dirty", 0),
    }


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


class Server:
    """gunicorn (gunicorn.conf.py: preload, sync worker) with one worker."""

    def __init__(self, env: dict, port: int) -> None:
        self.env, self.port = env, port

    def __enter__(self) -> Server:
        command = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--workers", "1"]
        # No restart after max_requests mid-measurement: the CPU is read from one pid.
        command += ["--max-requests", "0"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env)
        self.worker = self.new_worker(previous=None)
        return self

    def new_worker(self, previous: int | None) -> int:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = [pid for pid in children(self.process.pid) if pid != previous]
            if found:
                return found[0]
            if self.process.poll() is not None:
                raise SystemExit("gunicorn exited; see its errors above.")
            time.sleep(0.005)
        raise SystemExit("gunicorn started no worker in 60 s.")

    def replace_worker(self) -> int:
        """Stop the worker; the master forks a new one, as after max_requests."""
        old = self.worker
        os.kill(old, signal.SIGTERM)
        self.worker = self.new_worker(previous=old)
        return self.worker

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Browser:
    def __init__(self, port: int, session: str | None = None) -> None:
        self.port = port
        self.cookies: dict[str, str] = {"sessionid": session} if session else {}
        self.location = ""

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        headers = {"Host": "localhost"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://localhost:{self.port}{path}"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        for attempt in range(100):
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                text = response.read().decode(errors="replace")
                self.location = response.getheader("Location", "")
                break
            except ConnectionRefusedError:
                if attempt == 99:
                    raise
                time.sleep(0.01)
            finally:
                connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value
        return response.status, text


def sessions() -> dict:
    """Signed-in sessions for the demo clinician and patient, and the pages' ids."""
    import django

    django.setup()
    from django.test import Client

    from clinic.models import User
    from patients.models import Patient
    from patients.practice_log import current_program

    out = {}
    for key, email in (("clinician", "clinician@demo.test"), ("patient", "patient@demo.test")):
        user = User.objects.filter(email=email).first()
        if user is None:
            raise SystemExit("Run seed_demo first: the bench reads the demo clinic.")
        client = Client()
        client.force_login(user)
        out[key] = client.cookies["sessionid"].value
    patient = Patient.objects.active().get(user__email="patient@demo.test")
    program = current_program(patient)
    out["patient_uuid"] = str(patient.uuid)
    out["patients"] = Patient.objects.filter(clinic=patient.clinic).count()
    out["item"] = program.items.first().pk
    return out


def clean_up() -> None:
    from patients import caseload
    from patients.models import Patient, SessionEntry, SessionLog

    logs = SessionLog.objects.filter(client_token__startswith=TOKEN_PREFIX)
    patients = set(logs.values_list("patient_id", flat=True))
    SessionEntry.objects.filter(session__in=logs).delete()
    logs.delete()
    caseload.refresh(Patient.objects.filter(pk__in=patients))


def database_backends() -> list[int]:
    """PostgreSQL: the server processes serving the worker (every connection to the bench
    database but this script's own), so that their CPU counts too. None for SQLite, which
    runs inside the worker."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def measure(server: Server, request, runs: int) -> tuple[float, float]:
    """The worker's (and its database server processes') CPU ms per request over `runs`,
    and wall ms per request."""
    for _ in range(5):
        request()
    processes = [server.worker, *database_backends()]
    started_cpu, started = sum(map(cpu_ms, processes)), time.perf_counter()
    for _ in range(runs):
        request()
    wall = (time.perf_counter() - started) * 1000 / runs
    return (sum(map(cpu_ms, processes)) - started_cpu) / runs, wall


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--caseload-only", action="store_true", help="the 10,000-patient sorts")
    args = parser.parse_args()
    runs = max(20, args.requests)
    port = free_port()
    env = production_env(port)
    os.environ.update({k: v for k, v in env.items() if k not in ("GUNICORN_BIND",)})
    sys.path.insert(0, str(ROOT))
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    ids = sessions()
    print(cpu_reference())
    database = env.get("DATABASE_URL", "sqlite (default file)").split(":", 1)[0]
    print(
        f"gunicorn, 1 sync worker, preload, DEBUG off; database {database}"
        + ("" if database.startswith("sqlite") else " (its server processes' CPU counted)")
        + f"; {ids['patients']} patients in the demo clinic"
    )
    with Server(env, port) as server:
        clinician = Browser(port, ids["clinician"])
        patient = Browser(port, ids["patient"])
        hello = Browser(port)
        # A new worker's first request: forked from the preloaded master, it serves the
        # caseload (database connection, templates, the lot) straight away.
        started = time.perf_counter()
        status, _ = clinician.request("GET", "/portal/")
        assert status == 200, f"caseload: HTTP {status}"
        first = (time.perf_counter() - started) * 1000
        server.replace_worker()
        started = time.perf_counter()
        clinician.request("GET", "/portal/")
        again = (time.perf_counter() - started) * 1000
        print(
            f"first request of a new worker (GET /portal/, wall): {first:.0f} ms at start, "
            f"{again:.0f} ms for a worker forked later (goal: under 500 ms)"
        )
        maps = Path(f"/proc/{server.worker}/maps").read_text()
        loaded = [name for name, marker in LIBRARIES.items() if marker in maps]
        pages = []
        if args.caseload_only:
            # The search form is posted (the term stays out of the URL); its page is then
            # a GET of the URL it redirects to. The caseload's form sets the CSRF cookie.
            clinician.request("GET", "/portal/")
            status, _ = clinician.request("POST", "/portal/", "q=son")
            assert status == 302, f"caseload search: HTTP {status}"
            search = clinician.location
            for label, url in [
                ("caseload, by name", "/portal/"),
                ("caseload, by adherence", "/portal/?sort=adherence"),
                ("caseload, by last activity", "/portal/?sort=activity"),
                ("caseload, needs attention", "/portal/?attention=1&sort=flags"),
                ("caseload, search", search),
                ("caseload, page 200 by activity", "/portal/?sort=activity&page=200"),
            ]:
                pages.append((label, lambda url=url: clinician.request("GET", url)))
        else:
            tokens = iter(range(10**9))

            def log() -> None:
                body = (
                    f"client_token={TOKEN_PREFIX}{time.time_ns()}-{next(tokens)}"
                    f"&done_{ids['item']}=on&pain=2"
                )
                status, _ = patient.request("POST", "/me/log/", body)
                assert status == 302, status
                # A phone follows the redirect to Today, which shows "Saved" and clears it.
                # Kept here, each POST would load, sign and send back every earlier one
                # (about a tenth of the figure) as no patient's POST does.
                patient.cookies.pop("messages", None)

            patient.request("GET", "/me/")  # the CSRF cookie
            # The session POST is measured last: each one adds a session to the demo
            # patient, and a chart or caseload drawn after hundreds of sessions in one
            # day would measure a patient no clinic has.
            pages = [
                # What any signed-in page costs before its own work (session, account,
                # the patient's record, the audit row, the layout): the floor under the
                # pages below, read against the goal of 0.06 of hello world.
                (
                    "signed-in floor (GET /me/reminders/)",
                    lambda: patient.request("GET", "/me/reminders/"),
                ),
                ("patient Today (GET /me/)", lambda: patient.request("GET", "/me/")),
                ("caseload (GET /portal/)", lambda: clinician.request("GET", "/portal/")),
                (
                    "patient chart (GET /portal/patients/…/)",
                    lambda: clinician.request("GET", f"/portal/patients/{ids['patient_uuid']}/"),
                ),
                ("session logging (POST /me/log/)", log),
            ]
        hello_cpu, hello_wall = measure(server, lambda: hello.request("GET", "/healthz/live"), runs)
        hello_cpu, hello_wall = measure(
            server, lambda: hello.request("GET", "/healthz/live"), runs * 3
        )
        print(
            f"{'hello world (GET /healthz/live)':<42} cpu {hello_cpu:6.2f} ms/request   "
            f"wall {hello_wall:6.2f} ms   (the reference)"
        )
        figures = {}
        for label, request in pages:
            cpu, wall = measure(server, request, runs)
            figures[label] = cpu
            print(
                f"{label:<42} cpu {cpu:6.2f} ms/request   wall {wall:6.2f} ms   "
                f"{hello_cpu / cpu:.3f} of hello-world throughput"
            )
        if args.caseload_only:
            name = figures["caseload, by name"]
            worst = max(figures.values())
            print(
                f"caseload: slowest sort or filter {worst:.2f} ms = {worst / name:.2f}x the "
                f"name sort (goals: at most 1.5x and 10 ms)"
            )
        worker, master = memory_mb(server.worker), memory_mb(server.process.pid)
        print(
            f"memory: worker RSS {worker['rss']:.0f} MB (PSS {worker['pss']:.0f} MB, "
            f"private {worker['private']:.0f} MB); master RSS {master['rss']:.0f} MB. "
            f"PDF/picture libraries in the worker: {', '.join(loaded) or 'none'}"
        )
    clean_up()


if __name__ == "__main__":
    main()
