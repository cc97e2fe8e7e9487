"""Scale-out drill: Limber as deployed on more than one app server, under load, through
a database restart and a Redis outage. Run by `make scaleout`, and by CI after both test
suites. A developer tool: nothing in the app imports it.

It starts everything it needs on loopback, on free ports, in a temporary folder, and
touches no system service: its own PostgreSQL cluster (initdb + pg_ctl, so it can restart
it) and redis-server, a fresh migrated and seeded database, two gunicorn app servers
(gunicorn.conf.py) behind nginx (deploy/limber-proxy.conf) and the task worker. Patients
sign in through the real login form and log sessions (POST /me/log/ with a client_token
idempotency key, then the page it redirects to); clinicians read the caseload and charts.
Meanwhile PostgreSQL is stopped and started again, then frozen (SIGSTOP, every process
of the cluster: it takes connections and answers nothing), and Redis is stopped and
restarted, then frozen too. The app servers run with a 3 s REQUEST_DEADLINE: a request
waiting on the frozen database ends with the error page then, not at gunicorn's 30 s.

It fails unless every acknowledged session (the 302 after a log POST) is in the database
exactly once, no response took 5 s or more (while the database is frozen: the freeze
plus a deadline and 2 s, for the requests queued behind the waiting workers), and nothing
but the pages' normal answers (no 500, no proxy error) came outside the database outages;
in them, the app's own error answers are 503 ("try again in a moment"), never 500. It
prints requests per second, p50 and p99, and the failures in each fault window.

    python tools/scaleout_drill.py [--duration 60] [--patients 12] [--clinicians 4] [--keep]
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "drill passphrase long enough"  # noqa: S105 - a throwaway database's users
SLOW = 5.0  # seconds: no response may take this long (but see Window.slow)
REQUEST_DEADLINE = 3  # the app servers' (clinic/deadline.py), short for the drill's sake
FROZEN = 6.0  # seconds the database is frozen for
CLIENT_TIMEOUT = 10.0
SESSION_PREFIX = "drill-"  # starts the client_token of every session the drill logs


# --- Processes -----------------------------------------------------------------------


def free_port() -> int:
    """A port nothing listens on, below the range the kernel gives outgoing connections.
    A port from that range, free when picked, was once taken by one of the drill's own
    connections (to PostgreSQL) before the second app server could listen on it: that
    server never started, and the drill failed on the other one's sign-in limit."""
    with open("/proc/sys/net/ipv4/ip_local_port_range") as ranges:
        ephemeral = int(ranges.read().split()[0])
    for port in random.sample(range(max(1024, ephemeral - 10_000), ephemeral), 500):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")


def wait_for(check, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not come up within {timeout:.0f} s")


def pg_tool(name: str) -> str:
    """Debian keeps the server's tools under /usr/lib/postgresql/<version>/bin."""
    found = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda path: int(path.split("/")[4]) if path.split("/")[4].isdigit() else 0,
    )
    if found:
        return found[-1]
    if path := shutil.which(name):
        return path
    raise SystemExit(f"{name} not found: install PostgreSQL (make scaleout does)")


class Postgres:
    """A throwaway cluster. PostgreSQL refuses to run as root, so as root it runs as the
    `postgres` user that Debian's package creates."""

    def __init__(self, folder: Path) -> None:
        self.data = folder / "pg"
        self.sockets = folder / "pg-sockets"
        self.log = folder / "postgres.log"
        self.port = free_port()
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *args: str) -> None:
        subprocess.run([*self.prefix, *args], check=True, stdout=subprocess.DEVNULL)

    def init(self) -> None:
        for path in (self.data, self.sockets):
            path.mkdir()
            if self.prefix:
                shutil.chown(path, "postgres", "postgres")
        self.log.touch()
        if self.prefix:
            shutil.chown(self.log, "postgres", "postgres")
        self._run(
            pg_tool("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions",
        )  # fmt: skip
        self.start()

    def start(self) -> None:
        options = f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1"
        self._run(
            pg_tool("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options,
            "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run(pg_tool("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def _processes(self) -> list[int]:
        """The server's process and its children (backends, checkpointer, WAL writer...)."""
        with open(self.data / "postmaster.pid") as pid_file:
            server = int(pid_file.readline())
        children = []
        for stat in glob.glob("/proc/[0-9]*/stat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                with open(stat) as file:
                    fields = file.read().rsplit(")", 1)[1].split()
                if int(fields[1]) == server:
                    children.append(int(stat.split("/")[2]))
        return [server, *children]

    def freeze(self) -> None:
        for pid in self._processes():
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in reversed(self._processes()):
            os.kill(pid, signal.SIGCONT)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/limber"

    def create_database(self) -> None:
        import psycopg

        admin = f"postgres://postgres@127.0.0.1:{self.port}/postgres"
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute("CREATE DATABASE limber")


class Redis:
    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.log = folder / "redis.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--logfile", str(self.log),
            ],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for(self.ping, "redis-server", 20)

    def ping(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            self.process.wait(10)

    def freeze(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)


def nginx_config(folder: Path, port: int, upstreams: list[int]) -> Path:
    nginx = folder / "nginx"
    nginx.mkdir()
    servers = "\n".join(f"    server 127.0.0.1:{p};" for p in upstreams)
    temp = " ".join(
        f"{name}_temp_path {nginx / name};" for name in ("client_body", "proxy", "fastcgi")
    )
    temp += f" uwsgi_temp_path {nginx / 'uwsgi'}; scgi_temp_path {nginx / 'scgi'};"
    config = nginx / "nginx.conf"
    config.write_text(
        f"""worker_processes 1;
daemon off;
pid {nginx / "nginx.pid"};
error_log {folder / "nginx-error.log"} warn;
events {{ worker_connections 1024; }}
http {{
  {temp}
  upstream limber {{
{servers}
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      include {ROOT / "deploy" / "limber-proxy.conf"};
    }}
  }}
}}
"""
    )
    return config


# --- The app -------------------------------------------------------------------------


def app_environment(pg: Postgres, redis: Redis, folder: Path) -> dict[str, str]:
    from cryptography.fernet import Fernet

    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "TASKS_BACKEND", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DEBUG="False",
        SECRET_KEY=secrets.token_urlsafe(64),
        MFA_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        # Plain HTTP on loopback: no redirect to HTTPS (cookies stay Secure; the drill's
        # client sends them anyway).
        SECURE_SSL_REDIRECT="False",
        # Nothing listens there: e-mail tasks fail and are retried, as with a mail outage.
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(free_port()),
        # Staff sign in with a password only, so the drill needs no authenticator.
        REQUIRE_2FA="False",
        REQUEST_DEADLINE=str(REQUEST_DEADLINE),
        DATABASE_URL=pg.url,
        REDIS_URL=f"redis://127.0.0.1:{redis.port}/0",
        TRUSTED_PROXY_COUNT="1",
        MEDIA_ROOT=str(folder / "media"),
        LOG_FORMAT="json",
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def seed(env: dict[str, str], patients: int) -> dict:
    """Demo clinics, then a login for the first patients with an active program."""
    manage(env, "seed_demo", "--clinics", "2", "--patients", "30", "--days", "7", "--force", "-v0")
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "clinic.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.db import connections

    from clinic.models import User
    from patients.models import Patient
    from patients.practice_log import current_program
    from programs.models import Program

    password = make_password(PASSWORD)
    chosen = []
    charts: dict[str, list[str]] = {}
    for patient in Patient.objects.filter(status=Patient.Status.ACTIVE).order_by("pk"):
        charts.setdefault(str(patient.clinic_id), []).append(str(patient.uuid))
        program = current_program(patient)
        if len(chosen) >= patients or program is None:
            continue
        if program.status != Program.Status.ACTIVE:
            continue
        if patient.user_id is None:
            user = User.objects.create(
                email=f"patient{patient.pk}@drill.test", full_name="Drill", password=password
            )
            patient.user = user
            patient.email = user.email
            patient.save(update_fields=["user", "email"])
        else:
            User.objects.filter(pk=patient.user_id).update(password=password)
        chosen.append(patient.user.email)
    staff = []
    for email in ("clinician@demo.test", "admin@demo.test", "clinician2@demo.test"):
        user = User.objects.get(email=email)
        user.password = password
        user.save(update_fields=["password"])
        clinic = user.memberships.first().clinic_id
        staff.append((email, charts[str(clinic)]))
    connections.close_all()
    return {"patients": chosen, "staff": staff}


def sessions_in_database() -> Counter:
    """How many times each of the drill's client_tokens was saved."""
    from django.db import connections
    from django.db.models import Count

    from patients.models import SessionLog

    rows = (
        SessionLog.objects.filter(client_token__startswith=SESSION_PREFIX)
        .values_list("client_token")
        .annotate(n=Count("id"))
    )
    found = Counter(dict(rows))
    connections.close_all()
    return found


def task_runs(timeout: float) -> bool:
    """Does a task enqueued now get run?"""
    from django.db import connections
    from django_tasks import TaskResultStatus

    from clinic.tasks import housekeeping

    result = housekeeping.enqueue()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result.refresh()
        if result.status == TaskResultStatus.SUCCESSFUL:
            connections.close_all()
            return True
        time.sleep(0.5)
    connections.close_all()
    return False


# --- Load ----------------------------------------------------------------------------


@dataclass
class Result:
    started: float
    ended: float
    kind: str
    status: int  # 0: no HTTP answer (connection error or timeout)
    error: str = ""

    @property
    def seconds(self) -> float:
        return self.ended - self.started


class Browser:
    """One person's browser: their own client address, cookies and connection."""

    def __init__(self, port: int, address: str, results: list[Result]) -> None:
        self.port = port
        self.address = address
        self.cookies: dict[str, str] = {}
        self.results = results
        self.connection: http.client.HTTPConnection | None = None

    def request(self, kind: str, method: str, path: str, form: dict | None = None):
        headers = {"Host": "localhost"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            form = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **form}
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.monotonic()
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=CLIENT_TIMEOUT, source_address=(self.address, 0)
                )
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException) as error:
            if self.connection is not None:
                self.connection.close()
            self.connection = None
            self.results.append(Result(started, time.monotonic(), kind, 0, type(error).__name__))
            return None
        self.results.append(Result(started, time.monotonic(), kind, response.status))
        if response.will_close:
            self.connection.close()
            self.connection = None
        for header in response.msg.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return response.status, response.getheader("Location", ""), content

    def sign_in(self, email: str, landing: str) -> None:
        self.request("sign-in", "GET", "/accounts/login/")
        answer = self.request(
            "sign-in", "POST", "/accounts/login/", {"login": email, "password": PASSWORD}
        )
        if answer is None or answer[0] != 302:
            raise RuntimeError(f"sign-in of {email} answered {answer and answer[0]}")
        page = self.request("sign-in", "GET", landing)
        if page is None or page[0] != 200:
            raise RuntimeError(f"{landing} after signing in {email} answered {page and page[0]}")


ACKNOWLEDGED = re.compile(r"^/me/(advice/)?$")


def patient_loop(browser: Browser, name: str, stop: float, sent: dict, rng: random.Random):
    n = 0
    while time.monotonic() < stop:
        n += 1
        token = f"{SESSION_PREFIX}{name}-{n}"
        sent[token] = False
        # A patient shown an error, or nothing, taps "Save" again: the same form, same token.
        for attempt in range(4):
            answer = browser.request(
                "log", "POST", "/me/log/", {"client_token": token, "all_done": "1", "pain": "2"}
            )
            if answer and answer[0] == 302 and ACKNOWLEDGED.match(answer[1]):
                sent[token] = True
                browser.request("page", "GET", answer[1])
                break
            if time.monotonic() >= stop:
                break
            time.sleep(0.5 + attempt * 0.5)
        time.sleep(rng.uniform(0.2, 0.6))


def clinician_loop(browser: Browser, charts: list[str], stop: float, rng: random.Random):
    while time.monotonic() < stop:
        browser.request("page", "GET", "/portal/")
        time.sleep(rng.uniform(0.1, 0.4))
        browser.request("page", "GET", f"/portal/patients/{rng.choice(charts)}/")
        time.sleep(rng.uniform(0.1, 0.4))


def sign_in_loop(port: int, email: str, stop: float, results: list[Result]):
    """Staff signing in and out, each time from another address: the sign-in rate limits
    live in Redis, so this is the traffic a Redis outage could hurt."""
    n = 0
    while time.monotonic() < stop:
        n += 1
        browser = Browser(port, f"127.0.2.{n % 250 + 1}", results)
        browser.request("sign-in", "GET", "/accounts/login/")
        browser.request(
            "sign-in", "POST", "/accounts/login/", {"login": email, "password": PASSWORD}
        )
        browser.request("sign-in", "GET", "/portal/")
        browser.request("sign-in", "POST", "/accounts/logout/", {})
        time.sleep(1.5)


def monitor_loop(port: int, stop: float, results: list[Result]):
    """A load balancer's or uptime monitor's health probe; it also pings Redis."""
    browser = Browser(port, "127.0.0.3", results)
    while time.monotonic() < stop:
        browser.request("health", "GET", "/healthz")
        time.sleep(0.5)


class Supervisor(threading.Thread):
    """Starts the task worker again when it exits, as systemd does (Restart=always): the
    worker exits when it cannot reach the database (django-tasks-db issue 49)."""

    def __init__(self, start) -> None:
        super().__init__(daemon=True)
        self.start_process = start
        self.process = start()
        self.restarts = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.5):
            if self.process.poll() is not None:
                self.restarts += 1
                time.sleep(1)
                self.process = self.start_process()


# --- Report --------------------------------------------------------------------------


@dataclass
class Window:
    name: str
    started: float
    ended: float = 0.0
    results: list[Result] = field(default_factory=list)
    # A database outage: error pages are expected in it.
    database: bool = False
    # The longest answer allowed for a request that overlaps the window.
    slow: float = SLOW

    def covers(self, result: Result) -> bool:
        return result.started <= self.ended and result.ended >= self.started


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


OK = (200, 302)


def failed(result: Result) -> bool:
    return result.status == 0 or result.status >= 500


def summary(results: list[Result]) -> str:
    times = [r.seconds * 1000 for r in results]
    failures = sum(failed(r) for r in results)
    statuses = Counter(str(r.status or r.error) for r in results)
    unusual = Counter(f"{r.kind} {r.status or r.error}" for r in results if r.status not in OK)
    return (
        f"{len(results)} requests, p50 {percentile(times, 0.5):.0f} ms, "
        f"p99 {percentile(times, 0.99):.0f} ms, max {max(times, default=0):.0f} ms, "
        f"{failures} failed; answers {dict(sorted(statuses.items()))}"
        + (f"; besides 200 and 302: {dict(sorted(unusual.items()))}" if unusual else "")
    )


# --- The drill -----------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--patients", type=int, default=12, help="patients logging at once")
    parser.add_argument("--clinicians", type=int, default=4, help="staff reading at once")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    if not shutil.which("nginx") and not os.path.exists("/usr/sbin/nginx"):
        raise SystemExit("nginx not found: `make scaleout` installs it")

    began = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="limber-scaleout-"))
    folder.chmod(0o755)  # postgres and nginx's workers run as other users
    processes: list[subprocess.Popen] = []
    pg = Postgres(folder)
    redis = Redis(folder)
    ok = False
    try:
        print(f"Drill folder {folder}", flush=True)
        pg.init()
        pg.create_database()
        redis.start()
        env = app_environment(pg, redis, folder)
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "collectstatic", "--noinput", "-v0")
        people = seed(env, args.patients)

        def start(name: str, command: list[str], extra: dict | None = None) -> subprocess.Popen:
            log = open(folder / f"{name}.log", "a")  # noqa: SIM115 - closed with the process
            process = subprocess.Popen(
                command, cwd=ROOT, env={**env, **(extra or {})}, stdout=log, stderr=log
            )
            processes.append(process)
            return process

        app_ports = [free_port(), free_port()]
        for name, port in zip(("web-a", "web-b"), app_ports, strict=True):
            start(
                name,
                [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py")],
                {"GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2"},
            )
        worker_command = ["nice", "-n", "10", sys.executable, "manage.py", "db_worker"]
        worker_command += ["--queue-name", "*", "--no-reload"]
        worker = Supervisor(lambda: start("worker", worker_command))
        worker.start()
        proxy_port = free_port()
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        config = nginx_config(folder, proxy_port, app_ports)
        start("nginx", [nginx, "-e", str(folder / "nginx-error.log"), "-c", str(config)])

        def healthy(port: int) -> bool:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz", headers={"Host": "localhost"})
            return connection.getresponse().status == 200

        for port in (*app_ports, proxy_port):
            wait_for(lambda port=port: healthy(port), f"port {port}", 60)
        print(f"Set up in {time.monotonic() - began:.0f} s", flush=True)

        # Sign in: each person from their own loopback address, as the proxy reports it.
        results: list[Result] = []
        browsers = []
        for n, email in enumerate(people["patients"]):
            browser = Browser(proxy_port, f"127.0.0.{10 + n}", results)
            browser.sign_in(email, "/me/")
            browsers.append((email, browser))
        staff = []
        for n in range(args.clinicians):
            email, charts = people["staff"][n % len(people["staff"])]
            browser = Browser(proxy_port, f"127.0.1.{10 + n}", results)
            browser.sign_in(email, "/portal/")
            staff.append((browser, charts))
        results.clear()

        sent: dict[str, bool] = {}
        t0 = time.monotonic()
        stop = t0 + args.duration
        threads = [
            threading.Thread(
                target=patient_loop, args=(b, f"p{n}", stop, sent, random.Random(n)), daemon=True
            )
            for n, (_, b) in enumerate(browsers)
        ] + [
            threading.Thread(
                target=clinician_loop, args=(b, c, stop, random.Random(100 + n)), daemon=True
            )
            for n, (b, c) in enumerate(staff)
        ]
        threads.append(
            threading.Thread(
                target=sign_in_loop,
                args=(proxy_port, people["staff"][-1][0], stop, results),
                daemon=True,
            )
        )
        threads.append(
            threading.Thread(target=monitor_loop, args=(proxy_port, stop, results), daemon=True)
        )
        for thread in threads:
            thread.start()

        def at(seconds: float) -> None:
            time.sleep(max(0.0, t0 + seconds * args.duration / 60 - time.monotonic()))

        windows: list[Window] = []
        at(20)
        window = Window("PostgreSQL restart (down 3 s)", time.monotonic(), database=True)
        pg.stop("fast")
        time.sleep(3)
        pg.start()
        window.ended = time.monotonic()
        windows.append(window)
        at(29)
        # Each worker waits REQUEST_DEADLINE on the frozen database, then takes the next
        # request, which waits too: the answers queued behind them come up to the freeze
        # plus a deadline after they were asked, and none waits for gunicorn's 30 s.
        window = Window(
            f"PostgreSQL hung (SIGSTOP, {FROZEN:.0f} s)",
            time.monotonic(),
            database=True,
            slow=FROZEN + REQUEST_DEADLINE + 2,
        )
        pg.freeze()
        time.sleep(FROZEN)
        pg.thaw()
        window.ended = time.monotonic()
        windows.append(window)
        at(38)
        window = Window("Redis stopped (5 s)", time.monotonic())
        redis.stop()
        time.sleep(5)
        redis.start()
        window.ended = time.monotonic()
        windows.append(window)
        at(50)
        window = Window("Redis hung (SIGSTOP, 4 s)", time.monotonic())
        redis.freeze()
        time.sleep(4)
        redis.thaw()
        window.ended = time.monotonic()
        windows.append(window)
        for thread in threads:
            thread.join(CLIENT_TIMEOUT * 5)
        elapsed = time.monotonic() - t0
        worker.stopped.set()

        # The verdict.
        problems = []
        found = sessions_in_database()
        acknowledged = [token for token, ok in sent.items() if ok]
        missing = [token for token in acknowledged if found[token] == 0]
        doubled = [token for token in sent if found[token] > 1]
        unacknowledged_saved = sum(1 for t, ok in sent.items() if not ok and found[t] == 1)
        slow = [
            r
            for r in results
            if r.seconds >= max([SLOW, *(w.slow for w in windows if w.covers(r))])
        ]
        outages = [w for w in windows if w.database]
        outside = [r for r in results if not any(w.covers(r) for w in outages)]
        bad_outside = [r for r in outside if r.status not in OK]
        # In an outage the app answers 503, "try again in a moment" (clinic.error_pages);
        # its 500 would call the outage a fault of ours.
        called_faults = [
            r for r in results if r.status == 500 and any(w.covers(r) for w in outages)
        ]
        for window in windows:
            window.results = [r for r in results if window.covers(r)]
        calm = [r for r in results if not any(w.covers(r) for w in windows)]

        times = [r.seconds * 1000 for r in results]
        print()
        print(
            f"Load: {len(browsers)} patients logging sessions, {len(staff)} clinicians reading "
            f"pages, two app servers of 2 workers behind nginx, for {elapsed:.0f} s"
        )
        print(
            f"  {len(results) / elapsed:.1f} requests/s, p50 {percentile(times, 0.5):.0f} ms, "
            f"p99 {percentile(times, 0.99):.0f} ms, max {max(times):.0f} ms"
        )
        print(f"  outside the fault windows: {summary(calm)}")
        for window in windows:
            print(f"  {window.name}: {summary(window.results)}")
        print(
            f"Sessions: {len(sent)} sent, {len(acknowledged)} acknowledged, "
            f"{sum(1 for t in acknowledged if found[t] == 1)} of them found once, "
            f"{len(missing)} missing, {len(doubled)} doubled; {unacknowledged_saved} saved "
            f"without an acknowledgement (the answer was lost in an outage)"
        )
        print(f"Task worker: started again {worker.restarts} time(s) after exiting")
        if not task_runs(timeout=30):
            problems.append("the task worker ran no task after the drill")
        if missing:
            problems.append(f"{len(missing)} acknowledged session(s) missing: {missing[:5]}")
        if doubled:
            problems.append(f"{len(doubled)} session(s) saved more than once: {doubled[:5]}")
        if slow:
            problems.append(f"{len(slow)} response(s) took {SLOW:.0f} s or more: {slow[:3]}")
        if bad_outside:
            problems.append(
                f"{len(bad_outside)} unexpected answer(s) outside the database outages: "
                f"{Counter(str(r.status or r.error) for r in bad_outside)}"
            )
        if called_faults:
            problems.append(
                f"{len(called_faults)} answer(s) 500 in the database outages, not 503: "
                f"{Counter(r.kind for r in called_faults)}"
            )
        if len(acknowledged) < len(browsers) * args.duration / 10:
            problems.append(f"too few sessions acknowledged ({len(acknowledged)})")
        answer = Browser(proxy_port, "127.0.0.2", []).request("health", "GET", "/healthz")
        final = json.loads(answer[2]) if answer else {}
        print(f"Health after the drill: {final}")
        if final.get("database") != "ok" or final.get("cache") != "ok":
            problems.append(f"not healthy after the drill: {final}")
        for problem in problems:
            print(f"FAIL: {problem}")
        ok = not problems
        print(f"{'PASS' if ok else 'FAIL'} in {time.monotonic() - began:.0f} s")
        return 0 if ok else 1
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
        redis.stop()
        with contextlib.suppress(OSError):
            pg.thaw()  # if the drill ended while it was frozen
        with contextlib.suppress(subprocess.CalledProcessError):
            pg.stop("immediate")
        if not ok:
            for log in sorted(folder.glob("*.log")):
                errors = [
                    line
                    for line in log.read_text(errors="replace").splitlines()
                    if '"ERROR"' in line or "Traceback" in line or "[ERROR]" in line
                ]
                if errors:
                    print(f"--- {log.name}: {len(errors)} error line(s), the last ones:")
                    print("\n".join(line[:400] for line in errors[-5:]))
        if args.keep or not ok:
            print(f"Logs kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
