"""Server-side timings of the portal's heavy pages. Prints figures; asserts nothing.

Run through `make bench`, which uses a throwaway SQLite file unless DATABASE_URL is
set. A developer tool, not a command the app ships: run by `python -m tools.bench [--runs N]`.
Each page is requested in-process through the full middleware stack (no network), warmed
up first, then timed over --runs requests: median and 95th percentile, with the number of
SQL queries per request.
"""

from __future__ import annotations

import logging
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from html import escape
from html.parser import HTMLParser

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from clinic.actors import Actor
from clinic.models import Clinic, Membership, User
from patients.models import Patient, SessionLog
from patients.practice_log import current_program
from patients.services import patient_program_start
from programs.models import Exercise, Program
from programs.services import program_save
from tools.cpu_reference import cpu_reference

BENCH_CLINIC = "Benchmark clinic"
LIBRARY_SIZE = 2000


class Command(BaseCommand):
    help = "Time the library search and program builder pages (and more as they arrive)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--runs", type=int, default=30)
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")
        parser.add_argument(
            "--logging-only",
            action="store_true",
            help=(
                "only the patient Today / log / caseload figures and the worker's whole-clinic "
                "tasks (needs seed_demo data)"
            ),
        )
        parser.add_argument("--handouts-only", action="store_true", help="only the handout figures")

    def handle(self, *args, **options) -> None:
        # One log line per request would bury the figures.
        logging.getLogger("limber.request").setLevel(logging.WARNING)
        if not settings.DEBUG and not options["force"]:
            raise CommandError("bench writes test data; with DEBUG off, add --force.")
        runs = max(5, min(options["runs"], 1000))
        self.stdout.write(cpu_reference())
        self._hello(runs)
        if options["logging_only"]:
            self._logging(runs)
            return
        clinician, patient, program = self._data()
        client = Client()
        client.force_login(clinician)
        if options["handouts_only"]:
            self._handouts(client, patient, program, runs)
            return
        edit = f"/portal/patients/{patient.uuid}/programs/{program.uuid}/edit/"
        self.stdout.write(
            f"Database: {connection.vendor}; library: "
            f"{Exercise.objects.count()} exercises; program: {program.items.count()} items"
        )
        self._time(
            "library search (page 2, filtered)",
            runs,
            lambda: client.get("/portal/library/?q=exercise&region=low_back&page=2"),
        )
        self._time("builder page (GET)", runs, lambda: client.get(edit))
        self._time(
            "builder action (POST move)", runs, lambda: client.post(edit, _move_post(program))
        )
        redraw = {**_move_post(program), "action": "refresh"}
        self._time(
            "builder dose-line redraw (POST refresh, htmx)",
            runs,
            lambda: client.post(edit, redraw, HTTP_HX_REQUEST="true"),
        )
        self._handouts(client, patient, program, runs)

    def _handouts(self, client: Client, patient: Patient, program: Program, runs: int) -> None:
        """The render itself (in the worker), revision save to handout ready, a download
        once ready, and the caseload while the worker renders."""
        self._render_figures(patient, program, runs)
        with _Worker() as worker:
            self.stdout.write(f"task worker: pid {worker.pid}, nice 10, one task at a time")
            self._save_to_ready(patient, program, runs)
            url = f"/portal/patients/{patient.uuid}/programs/{program.uuid}/handout.pdf"
            self._time("handout download, ready (GET)", runs, lambda: _drain(client.get(url)))
            self._caseload_while_rendering(client, patient, runs)

    def _render_figures(self, patient: Patient, program: Program, runs: int) -> None:
        from clinic.lib.pdf import render_pdf
        from patients.handouts import handout_people
        from programs.handout_render import handout_document
        from programs.handouts import clinic_media_dirs

        def render_document(of: Program):
            return handout_document(
                program=of,
                revision=of.revisions.get(number=of.revision),
                clinic=patient.clinic,
                people=handout_people(patient),
                large_print=False,
            )

        def render(of: Program):
            document = render_document(of)
            return render_pdf(
                document.html,
                css=document.css,
                media_dirs=clinic_media_dirs(patient.clinic),
                resources=document.resources,
            )

        first = render(program)
        timings, whole = [], []
        for _ in range(min(runs, 10)):
            started = time.perf_counter()
            timings.append(render(program).seconds * 1000)
            whole.append((time.perf_counter() - started) * 1000)
        # A bulk re-render (a clinic's new logo): one worker renders one handout at a time,
        # the document (context, pictures) and the PDF.
        self.stdout.write(
            f"handouts per minute per worker ({program.items.count()} exercises, document "
            f"and render): {60_000 / statistics.median(whole):.0f} "
            f"({statistics.median(whole):.0f} ms each)"
        )
        self.stdout.write(
            f"handout render in the worker, {program.items.count()} exercises: first "
            f"{first.seconds * 1000:.0f} ms, then median {statistics.median(timings):.0f} ms "
            f"(best {min(timings):.0f} ms), {len(first.pdf) // 1024} KB, "
            f"render child peak memory {first.peak_memory_mb:.0f} MB"
        )
        self._against_bare_weasyprint(render_document(program), min(runs, 10))
        big = self._long_program(patient.clinic)
        result = render(big)
        self.stdout.write(
            f"handout render, {big.items.count()} exercises: {result.seconds * 1000:.0f} ms, "
            f"render child peak memory {result.peak_memory_mb:.0f} MB"
        )

    def _against_bare_weasyprint(self, document, runs: int) -> None:
        """Issue 18, goal 4: the handout against a bare WeasyPrint render of the same words
        and pictures (each text block a plain paragraph, each picture at half width, no
        style sheet of ours: no week log layout, summary box, header or footer). Both in
        this process with the same fetcher, so only the document differs."""
        from clinic.lib.pdf import SafeURLFetcher, render_in_process

        bare = _bare_html(document.html)

        def full() -> None:
            fetcher = SafeURLFetcher(resources=document.resources)
            render_in_process(document.html, fetcher=fetcher, css=document.css)

        def plain() -> None:
            render_in_process(bare, fetcher=SafeURLFetcher(resources=document.resources))

        handout = self._measure(full, runs)
        words = self._measure(plain, runs)
        ratio = statistics.median(handout) / statistics.median(words)
        self.stdout.write(
            f"handout render vs bare WeasyPrint of the same words and pictures (in process): "
            f"{statistics.median(handout):.0f} ms vs {statistics.median(words):.0f} ms = "
            f"{ratio:.2f}x (goal: at most 1.3x)"
        )
        self._against_bare_in_child(document, bare, runs)
        self._handout_parts(document, bare)

    def _against_bare_in_child(self, document, bare: str, runs: int) -> None:
        """The same two renders as the worker makes them: each in a child of its own
        (render_pdf), which keeps the collector off the worker's heap (clinic.lib.pdf).
        Timed by the child's CPU time, which other work on a shared machine moves less
        than the wall clock."""
        import resource

        from clinic.lib.pdf import render_pdf

        def cpu_ms() -> float:
            usage = resource.getrusage(resource.RUSAGE_CHILDREN)
            return (usage.ru_utime + usage.ru_stime) * 1000

        def child(html: str, css: str) -> float:
            render_pdf(html, css=css, resources=document.resources)  # parses the style sheet
            timings = []
            for _ in range(runs):
                started = cpu_ms()
                render_pdf(html, css=css, resources=document.resources)
                timings.append(cpu_ms() - started)
            return statistics.median(timings)

        handout, words = child(document.html, document.css), child(bare, "")
        self.stdout.write(
            f"the same in the render child (its CPU time): {handout:.0f} ms vs {words:.0f} ms "
            f"= {handout / words:.2f}x"
        )

    def _handout_parts(self, document, bare: str) -> None:
        """What each part of the handout adds to its render, counted in Python function
        calls (the same on every run, where times on a shared machine move by a third):
        the handout, then the handout without each part, against the bare render."""
        import cProfile
        import pstats
        import re

        from clinic.lib.pdf import SafeURLFetcher, render_in_process

        def calls(html: str, css: str | None) -> int:
            # Once first: a style sheet is parsed once per process, and a variant's parse
            # counted in its render made dropping the header look four times cheaper.
            render_in_process(html, fetcher=SafeURLFetcher(resources=document.resources), css=css)
            fetcher = SafeURLFetcher(resources=document.resources)
            profile = cProfile.Profile()
            profile.runcall(render_in_process, html, fetcher=fetcher, css=css)
            return pstats.Stats(profile).total_calls  # type: ignore[attr-defined]

        def without(tag: str) -> str:
            start = document.html.find(tag)
            end = document.html.find("</section>", start) + len("</section>")
            return document.html[:start] + document.html[end:] if start >= 0 else document.html

        whole, plain = calls(document.html, document.css), calls(bare, None)
        parts = {
            "header": (document.html, re.sub(r"@top-left \{[^}]*\}", "", document.css)),
            "footer": (document.html, re.sub(r"@bottom-(left|right) \{[^}]*\}", "", document.css)),
            "summary box": (without('<section class="summary"'), document.css),
            "weekly log page": (without('<section class="log"'), document.css),
        }
        shares = ", ".join(
            f"{name} {(whole - calls(*variant)) / whole:.0%}" for name, variant in parts.items()
        )
        self.stdout.write(
            f"handout render in function calls: {whole / plain:.2f}x the bare render; "
            f"share of the handout's calls: {shares}"
        )

    def _save_to_ready(self, patient: Patient, program: Program, runs: int) -> None:
        """A clinician saves a revision; the worker renders its handout ahead."""
        from patients.handouts import handout_for

        membership = Membership.objects.get(user__email="bench-clinician@bench.test")
        actor = Actor.for_member(membership)
        timings = []
        for step in range(min(runs, 8)):
            program.refresh_from_db()
            items = [
                {"id": item.pk, "exercise": item.exercise, "reps": 8 + (step + item.order) % 5}
                for item in program.items.all()
            ]
            started = time.perf_counter()
            program_save(
                program=program,
                actor=actor,
                expected_revision=program.revision,
                fields={},
                items=items,
            )
            program.refresh_from_db()
            handout = handout_for(patient, program)
            while not handout.ready:
                if time.perf_counter() - started > 120:
                    raise CommandError("The worker did not render the handout in 2 minutes.")
                time.sleep(0.01)
            timings.append((time.perf_counter() - started) * 1000)
        # The first save is the new worker's first task: its start-up (Django, the render
        # libraries) is in it. Stated apart, so a slow first one is not read as a slow save.
        first, rest = timings[0], timings[1:] or timings
        self.stdout.write(
            f"revision saved -> handout ready: first {first:.0f} ms (a new worker's first "
            f"task), then median {statistics.median(rest):.0f} ms, worst {max(rest):.0f} ms "
            f"({len(timings)} saves)"
        )

    def _caseload_while_rendering(self, client: Client, patient: Patient, runs: int) -> None:
        """The caseload's latency idle, then while the worker renders 4 handouts."""
        from patients.handouts import handout_for, handout_render

        def caseload():
            return client.get("/portal/")

        idle = self._measure(caseload, runs)
        # Four handouts not rendered yet: a new clinic footer makes every handout new;
        # two patients (one with a 30-exercise program) in both print sizes.
        Clinic.objects.filter(pk=patient.clinic_id).update(
            handout_footer=f"Bench round {time.time_ns()}", updated_at=timezone.now()
        )
        long_program = self._long_program(patient.clinic)
        patients = [
            Patient.objects.select_related("clinic").get(pk=patient.pk),
            Patient.objects.select_related("clinic").get(programs__program=long_program),
        ]
        handouts = [
            handout_for(who, current_program(who), large_print=large)
            for who in patients
            for large in (False, True)
        ]
        for handout in handouts:
            handout_render(handout)
        busy = []
        started = time.perf_counter()
        while not all(handout.ready for handout in handouts):
            if time.perf_counter() - started > 180:
                raise CommandError("The worker did not render 4 handouts in 3 minutes.")
            busy += self._measure(caseload, 5, warm_up=False)
        rendering = (time.perf_counter() - started) * 1000
        idle_median, busy_median = statistics.median(idle), statistics.median(busy)
        self.stdout.write(
            f"caseload (GET /portal/): idle median {idle_median:.1f} ms; while 4 handouts "
            f"render ({rendering:.0f} ms in all) median {busy_median:.1f} ms, p95 "
            f"{_p95(busy):.1f} ms over {len(busy)} requests "
            f"({(busy_median / idle_median - 1) * 100:+.0f}% at the median)"
        )

    def _logging(self, runs: int) -> None:
        """Today page, session POST and caseload on seed_demo data (the bigger the better)."""
        patient_user = User.objects.filter(email="patient@demo.test").first()
        clinician = User.objects.filter(email="clinician@demo.test").first()
        if patient_user is None or clinician is None:
            raise CommandError("Run seed_demo first (e.g. --patients 10000 --days 90).")
        patient = patient_user.patient_records.active().get()
        self.stdout.write(
            f"Caseload: {Patient.objects.filter(clinic=patient.clinic).count()} patients, "
            f"{SessionLog.objects.count()} session logs in the database"
        )
        as_patient, as_clinician = Client(), Client()
        as_patient.force_login(patient_user)
        as_clinician.force_login(clinician)
        self._time("patient Today page (GET /me/)", runs, lambda: as_patient.get("/me/"))
        program = current_program(patient)
        item = program.items.first()
        tokens = iter(range(10**6))

        def log() -> object:
            response = as_patient.post(
                "/me/log/",
                {
                    "client_token": f"bench-{time.time_ns()}-{next(tokens)}",
                    f"done_{item.pk}": "on",
                    "pain": "2",
                },
            )
            assert response.status_code == 302, response.status_code
            # As a phone that follows the redirect to Today, where "Saved" is shown and
            # cleared: not every earlier message carried in each POST's cookie.
            as_patient.cookies.pop("messages", None)
            return response

        self._time("log a session (POST /me/log/)", runs, log)
        SessionLog.objects.filter(patient=patient, client_token__startswith="bench-").delete()  # noqa: S106
        for label, url in [
            ("caseload, by name", "/portal/"),
            ("caseload, by adherence", "/portal/?sort=adherence"),
            ("caseload, needs attention", "/portal/?attention=1&sort=flags"),
            ("caseload, page 200 by activity", "/portal/?sort=activity&page=200"),
        ]:
            self._time(label, runs, lambda url=url: as_clinician.get(url))
        self._worker_tasks(patient.clinic)

    def _worker_tasks(self, clinic: Clinic) -> None:
        """What the task worker spends on the jobs that go through every patient, at this
        size (each once, and rolled back): while one runs, no handout is rendered."""
        from patients.handouts import current_handout_names, prerender_clinic
        from patients.practice_log import flags_raise_inactive

        for label, job in [
            ("daily sweep: inactivity flags", flags_raise_inactive),
            ("purge: the handouts to keep", current_handout_names),
            ("new branding: queue every handout", lambda: prerender_clinic(clinic)),
        ]:
            with transaction.atomic():
                started, started_cpu = time.perf_counter(), time.process_time()
                job()
                cpu = time.process_time() - started_cpu
                wall = time.perf_counter() - started
                transaction.set_rollback(True)
            self.stdout.write(f"{label:<40} wall {wall:7.2f} s    cpu {cpu:6.2f} s")

    def _long_program(self, clinic: Clinic) -> Program:
        membership = Membership.objects.get(user__email="bench-clinician@bench.test", clinic=clinic)
        patient, _ = Patient.objects.get_or_create(
            clinic=clinic,
            first_name="Long",
            last_name="Program",
            defaults={"date_of_birth": "1960-01-01"},
        )
        program = Program.objects.filter(assignment__patient=patient).first()
        if program is None:
            actor = Actor.for_member(membership)
            program = patient_program_start(actor=actor, patient=patient, source=None)
            shared = list(Exercise.objects.filter(clinic=None).order_by("name")[:30])
            program = program_save(
                program=program,
                actor=actor,
                expected_revision=program.revision,
                fields={},
                items=[{"exercise": exercise, "reps": 10} for exercise in shared],
            )
        return program

    def _data(self) -> tuple[User, Patient, Program]:
        with transaction.atomic():
            # Full contact details, so the page header is as busy as a real clinic's.
            clinic, _ = Clinic.objects.get_or_create(
                name=BENCH_CLINIC,
                defaults={"phone": "01632 960 123", "address": "12 Station Road\nBenchton"},
            )
            clinician, _ = User.objects.get_or_create(
                email="bench-clinician@bench.test", defaults={"full_name": "Bench Clinician"}
            )
            membership, _ = Membership.objects.get_or_create(user=clinician, clinic=clinic)
            missing = LIBRARY_SIZE - Exercise.objects.filter(clinic=clinic).count()
            Exercise.objects.bulk_create(
                Exercise(
                    clinic=clinic,
                    name=f"Bench exercise {i:04}",
                    lay_name="A generated exercise",
                    category="mobility",
                    position="standing",
                    style="dynamic",
                    regions=["low_back"],
                    equipment=["none"],
                    reps=10,
                )
                for i in range(max(0, missing))
            )
            patient, _ = Patient.objects.get_or_create(
                clinic=clinic,
                first_name="Bench",
                last_name="Patient",
                defaults={"date_of_birth": "1970-01-01"},
            )
            program = Program.objects.filter(assignment__patient=patient).first()
            if program is None:
                template = Program.objects.get(template_key="low-back-core-stability")
                actor = Actor.for_member(membership)
                program = patient_program_start(actor=actor, patient=patient, source=template)
                shared = list(Exercise.objects.filter(clinic=None)[:6])
                items = [{"id": i.pk, "exercise": i.exercise} for i in program.items.all()]
                items += [{"exercise": exercise} for exercise in shared]
                program = program_save(
                    program=program,
                    actor=actor,
                    expected_revision=program.revision,
                    fields={},
                    items=items,
                )
        # As a request would see it (get_or_create leaves the birth date a string).
        patient.refresh_from_db()
        return clinician, patient, program

    def _measure(self, request: Callable, runs: int, warm_up: bool = True) -> list[float]:
        for _ in range(3 if warm_up else 0):
            request()
        timings = []
        for _ in range(runs):
            start = time.perf_counter()
            request()
            timings.append((time.perf_counter() - start) * 1000)
        return timings

    def _time(self, label: str, runs: int, request: Callable) -> float:
        """Wall time (median, p95), CPU time of this process per request (the application,
        and SQLite's engine when SQLite is the database) and the query count, with the CPU
        time as a share of the hello-world reference measured in the same run."""
        for _ in range(3):
            request()
        timings, cpu = [], []
        # Counted with an execute wrapper: Django clears its own query log at the start
        # of every request, which would hide the request's queries from a capture.
        executed = []
        with connection.execute_wrapper(
            lambda run, sql, *rest: executed.append(sql) or run(sql, *rest)
        ):
            response = request()
        for _ in range(runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            response = request()
            cpu.append((time.process_time() - start_cpu) * 1000)
            timings.append((time.perf_counter() - start) * 1000)
        if response.status_code >= 400:
            raise CommandError(f"{label}: HTTP {response.status_code}")
        timings.sort()
        p95 = timings[min(len(timings) - 1, round(0.95 * len(timings)) - 1)]
        cpu_median = statistics.median(cpu)
        ratio = ""
        if self.hello_cpu:
            # Throughput relative to hello world on the same server: its CPU per request
            # over this page's.
            ratio = f"   {self.hello_cpu / max(cpu_median, 1e-6):.3f}x hello"
        self.stdout.write(
            f"{label:<40} median {statistics.median(timings):7.1f} ms   "
            f"p95 {p95:7.1f} ms   cpu {cpu_median:6.2f} ms{ratio}   {len(executed):3d} queries"
        )
        return cpu_median

    hello_cpu: float | None = None

    def _hello(self, runs: int) -> None:
        """The reference every page figure is read against: the cheapest view there is
        (/healthz/live), through the same full middleware stack, in the same run."""
        client = Client()
        self.hello_cpu = None
        self.hello_cpu = self._time(
            "hello world (GET /healthz/live)", max(runs, 200), lambda: client.get("/healthz/live")
        )


class _WordsAndPictures(HTMLParser):
    """The text blocks and pictures of a document, in order."""

    BLOCKS = frozenset({"p", "li", "h1", "h2", "h3", "td", "th", "dt", "dd", "figcaption"})

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._text: list[str] = []

    def _flush(self) -> None:
        text = " ".join("".join(self._text).split())
        if text:
            self.parts.append(f"<p>{escape(text)}</p>")
        self._text = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in self.BLOCKS:
            self._flush()
        src = dict(attrs).get("src") if tag == "img" else None
        if src:
            self._flush()
            alt = escape(dict(attrs).get("alt") or "picture")
            self.parts.append(f'<img src="{escape(src)}" alt="{alt}" style="width: 45%">')

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        self._text.append(data)


def _bare_html(html: str) -> str:
    body = html[html.find("<body") :] if "<body" in html else html
    parser = _WordsAndPictures()
    parser.feed(body.split("</style>")[-1])
    parser.close()
    # Tagged like the handout (PDF/UA needs a language and alt texts), so only the
    # layout differs.
    return '<!doctype html><html lang="en"><body>' + "".join(parser.parts) + "</body></html>"


def _p95(timings: list[float]) -> float:
    ordered = sorted(timings)
    return ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]


def _drain(response):
    """Read a streamed file response to its end, as the client would."""
    if getattr(response, "streaming", False):
        for _chunk in response.streaming_content:
            pass
        response.close()
    return response


class _Worker:
    """The task worker as `make run` starts it (db_worker, nice 10, one task at a time),
    on the bench's database, for as long as the block runs."""

    def __enter__(self) -> subprocess.Popen:
        command = ["nice", "-n", "10", sys.executable, "manage.py", "db_worker"]
        command += ["--queue-name", "*", "--interval", "0.05", "--no-startup-delay", "--no-reload"]
        self.process = subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return self.process

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _move_post(program: Program) -> dict:
    """A builder 'move down' submission for the saved program (nothing is written)."""
    data = {
        "action": "down:0",
        "revision": str(program.revision),
        "title": program.title,
        "status": program.status,
        "items-INITIAL_FORMS": "0",
    }
    items = list(program.items.select_related("exercise"))
    data["items-TOTAL_FORMS"] = str(len(items))
    for i, item in enumerate(items):
        data[f"items-{i}-id"] = str(item.pk)
        data[f"items-{i}-exercise"] = str(item.exercise.uuid)
        data[f"items-{i}-reps"] = str(item.reps or "")
        data[f"items-{i}-sets"] = str(item.sets)
    return data
