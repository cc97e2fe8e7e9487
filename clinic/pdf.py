"""The only module that calls WeasyPrint.

Two rules every PDF follows:

1. One URL fetcher (SafeURLFetcher) for every HTML and CSS object. It serves our own
   static files, the current clinic's media folder, pictures our code made in memory
   and small inline images, and refuses anything else: http, https, ftp, files outside
   those folders, other clinics' media. A refused resource is simply left out of the
   document, and the refusal is logged. (A style sheet parsed once and reused gets a
   fetcher without any clinic's media; its url()s are fetched at render time by the
   document's own.)
2. A render that runs too long is stopped. The PDF is rendered in another process,
   forked from this one (WeasyPrint is already imported here, so forking is cheap),
   which is killed at the deadline. A hung render never hangs the web worker, and the
   renderer's peak memory can be measured. That process is kept for the next documents
   (see _RenderWorker); a document that fails or runs too long takes it down with it.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import gc
import logging
import os
import pickle
import resource
import selectors
import signal
import struct
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import weasyprint  # imported once per process, at start-up, not per render
from django.conf import settings
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

OUR_STATIC = Path(settings.BASE_DIR) / "clinic" / "static"
MAX_INLINE_IMAGE = 2 * 1024 * 1024
# Pictures our own code makes (drawings, QR codes) are handed to the fetcher in memory and
# named in the HTML as "limber:<name>": data: URLs would make the HTML several times
# longer, and WeasyPrint's pure-Python HTML parser reads every character of them.
RESOURCE_SCHEME = "limber:"
DEFAULT_TIMEOUT = 20.0


@dataclass(frozen=True)
class Resource:
    body: bytes
    mime_type: str


class PdfError(Exception):
    """Rendering failed; the message can be shown to the user."""


class PdfTimeout(PdfError):
    pass


class RefusedURL(ValueError):
    """Raised inside WeasyPrint for a resource we do not serve: it skips the resource."""


class SafeURLFetcher(URLFetcher):
    """Serves files only from `roots`, the in-memory `resources` it was given, and small
    data: images. Records what it refused."""

    def __init__(
        self, roots: tuple[Path, ...] = (), resources: Mapping[str, Resource] | None = None
    ) -> None:
        # No protocol is allowed to the parent class, and fetch() below never calls it:
        # nothing here can open a network connection.
        super().__init__(allowed_protocols=())
        self.roots = tuple(Path(root).resolve() for root in roots)
        self.resources = dict(resources or {})
        self.refused: list[str] = []
        self.served: list[str] = []

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        if url.startswith(RESOURCE_SCHEME) and url[len(RESOURCE_SCHEME) :] in self.resources:
            resource = self.resources[url[len(RESOURCE_SCHEME) :]]
            return URLFetcherResponse(
                url, body=resource.body, headers={"Content-Type": resource.mime_type}
            )
        parts = urlsplit(url)
        if parts.scheme == "data" and url.startswith("data:image/") and len(url) < MAX_INLINE_IMAGE:
            # WeasyPrint decodes data: URLs itself only through a fetcher: do it here.
            return self._data_image(url)
        if parts.scheme == "file" and not parts.netloc:
            path = Path(unquote(parts.path)).resolve()
            if any(path.is_relative_to(root) for root in self.roots) and path.is_file():
                self.served.append(str(path))
                return URLFetcherResponse(url, body=path.read_bytes())
        self.refused.append(url)
        logger.warning("PDF resource refused: %s", url[:200])
        raise RefusedURL("resource not allowed in PDFs")

    @staticmethod
    def _data_image(url: str) -> URLFetcherResponse:
        header, _, payload = url.partition(",")
        mime = header[5:].split(";")[0]
        body = (
            base64.b64decode(payload) if header.endswith(";base64") else unquote(payload).encode()
        )
        return URLFetcherResponse(url, body=body, headers={"Content-Type": mime})


def static_base_url() -> str:
    """Base URL for documents: relative links resolve inside our own static folder."""
    return OUR_STATIC.resolve().as_uri() + "/"


def allowed_roots(media_dirs: tuple[Path, ...] = ()) -> tuple[Path, ...]:
    roots = [OUR_STATIC]
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT))
    return (*roots, *media_dirs)


_font_config: FontConfiguration | None = None


def _fonts() -> FontConfiguration:
    """One font configuration per process. Left to itself, WeasyPrint makes a new one for
    every document, reloading fontconfig and starting Pango's font and shaping caches
    from empty: about a twentieth of a handout's render time. Our templates declare no
    @font-face and user text is always escaped, so it holds only the system fonts, and
    no document can add a font that a later document (in the render worker) would see."""
    global _font_config
    if _font_config is None:
        _font_config = FontConfiguration()
    return _font_config


@functools.lru_cache(maxsize=8)
def _stylesheet(css: str) -> weasyprint.CSS:
    """A style sheet parsed once per process, not once per document (the handout's took
    ~12 ms to parse). The sheets are our own templates, rendered without user text."""
    return weasyprint.CSS(
        string=css,
        base_url=static_base_url(),
        url_fetcher=SafeURLFetcher(roots=allowed_roots()),
        font_config=_fonts(),
    )


def render_in_process(
    html: str, *, fetcher: SafeURLFetcher, css: str = "", tagged: bool = True
) -> bytes:
    """Render here, without the time limit: what the render worker (or a child forked
    for one document) runs, and what tests call to inspect the fetcher afterwards.
    `css` is a style sheet of ours, added to whatever the HTML itself holds."""
    document = weasyprint.HTML(string=html, base_url=static_base_url(), url_fetcher=fetcher).render(
        stylesheets=[_stylesheet(css)] if css else None, font_config=_fonts()
    )
    # Our PDFs never carry files. WeasyPrint embeds whatever an <a|link rel=attachment>
    # points at (and a data: URL can hold any bytes); drop them all before writing.
    document.metadata.attachments = []
    for page in document.pages:
        page.links = [link for link in page.links if link[0] != "attachment"]
    options = {"pdf_variant": "pdf/ua-1"} if tagged else {}
    return document.write_pdf(**options)


_warmed = False
WARM_UP_HTML = (
    '<html lang="en"><head><title>warm-up</title><style>html { font-family: "Liberation Sans", '
    '"DejaVu Sans", sans-serif } b { font-weight: bold }</style></head><body><p>Warm <b>up</b> '
    '<svg width="10" height="10"><circle cx="5" cy="5" r="4"/></svg></p></body></html>'
)


def warm_up() -> None:
    """Render one tiny document in this process, once.

    Renders happen in processes forked from this one, so whatever WeasyPrint, Pango and
    fontconfig load on first use (font lists, font files, CSS defaults) would otherwise
    be loaded again by each of them. Loaded here, every one inherits it.
    """
    global _warmed
    if not _warmed:
        render_in_process(WARM_UP_HTML, fetcher=SafeURLFetcher(roots=allowed_roots()))
        _warmed = True


@dataclass(frozen=True)
class Specimen:
    """A sample document of our own, with no user text, in the style of the real ones:
    rendered once per style sheet in this process, before any real document is."""

    html: str
    resources: Mapping[str, Resource] = field(default_factory=dict)


_warmed_sheets: set[str] = set()


def warm_up_sheet(css: str, specimen: Specimen) -> None:
    """Render `specimen` with `css` in this process, once per style sheet.

    The tiny warm-up document loads one font at one size. A real document uses many
    (headings, bold, small print, each size of each face), and each new rendering
    process would load and measure them all again on its first document. Rendering a
    sample here first means every one inherits them ready. The sample is ours and fixed,
    so rendering it outside a time-limited process is safe."""
    if css not in _warmed_sheets:
        fetcher = SafeURLFetcher(roots=allowed_roots(), resources=specimen.resources)
        render_in_process(specimen.html, fetcher=fetcher, css=css)
        _warmed_sheets.add(css)


@dataclass
class RenderResult:
    pdf: bytes
    seconds: float
    peak_memory_mb: float


def render_pdf(
    html: str,
    *,
    css: str = "",
    media_dirs: tuple[Path, ...] = (),
    resources: Mapping[str, Resource] | None = None,
    specimen: Specimen | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> RenderResult:
    """Render HTML (already escaped by our templates) to a tagged PDF, within `timeout`.

    `css` is a style sheet of ours (no user text in it): it is parsed here, in the parent,
    so every later render with the same sheet reuses the parsed rules.
    `media_dirs` are the uploaded-file folders this document may use: the clinic's own.
    `resources` are pictures made by our code, named "limber:<name>" in the HTML.
    `specimen` is a sample document in the style of `css` to warm this process up with.
    """
    warm_up()
    if css:
        _stylesheet(css)
        if specimen is not None:
            warm_up_sheet(css, specimen)
    job = _Job(html, css, allowed_roots(media_dirs), dict(resources or {}), specimen)
    started = time.perf_counter()
    deadline = started + timeout
    try:
        if _worker_lock.acquire(blocking=False):
            try:
                data = _render_in_worker(job, deadline)
            finally:
                _worker_lock.release()
        else:  # another thread of this process is using the worker
            data = _render_in_child(job, deadline)
    except PdfTimeout:
        logger.error("PDF render stopped after %.0f s", timeout)
        raise
    if data[:2] != b"OK":
        logger.error("PDF render failed: %s", data[2:].decode(errors="replace"))
        raise PdfError("The PDF could not be created. Please try again.")
    (peak_kb,) = struct.unpack("!Q", data[2:10])
    return RenderResult(
        pdf=data[10:],
        seconds=time.perf_counter() - started,
        peak_memory_mb=peak_kb / 1024,
    )


@dataclass(frozen=True)
class _Job:
    """One document to render, as sent to the process that renders it."""

    html: str
    css: str
    roots: tuple[Path, ...]
    resources: dict[str, Resource]
    specimen: Specimen | None


def _run(job: _Job) -> bytes:
    """In the rendering process: the reply, b"OK" + peak memory + PDF, or b"ER" + why."""
    try:
        if job.css and job.specimen is not None:
            warm_up_sheet(job.css, job.specimen)  # done already, unless new to this process
        fetcher = SafeURLFetcher(roots=job.roots, resources=job.resources)
        pdf = render_in_process(job.html, fetcher=fetcher, css=job.css)
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return b"OK" + struct.pack("!Q", peak_kb) + pdf
    except Exception as error:
        return b"ER" + repr(error)[:500].encode()


def _send(fd: int, payload: bytes) -> None:
    view = memoryview(struct.pack("!Q", len(payload)) + payload)
    while view:
        view = view[os.write(fd, view) :]


def _fork(serve) -> int:
    # Freezing moves every existing object out of the collector's reach: the child's
    # garbage collector would otherwise touch them all, copying most of the parent's
    # memory page by page.
    gc.freeze()
    pid = os.fork()
    if pid == 0:
        try:
            gc.disable()
            serve()
        finally:
            # Whatever happens, the child must never return into the web worker's code.
            os._exit(0)
    gc.unfreeze()
    return pid


def _render_in_child(job: _Job, deadline: float) -> bytes:
    """Render in a child forked for this document alone. Used when the worker is busy."""
    read_end, write_end = os.pipe()

    def serve() -> None:
        os.close(read_end)
        _send(write_end, _run(job))

    pid = _fork(serve)
    os.close(write_end)
    try:
        data = _read_with_deadline(read_end, deadline)
    except BaseException:
        _stop(pid)
        raise
    finally:
        os.close(read_end)
    _reap_soon(pid)
    return data


class _RenderWorker:
    """A rendering process forked once and kept for many documents, one at a time.

    A child forked for each document starts from the web worker's memory: every object
    it touches, even just to count a reference, makes the kernel copy that page, and
    Pango's caches start cold. That cost about an eighth of a handout's render. This
    process pays it once. Each document still gets its own fetcher and nothing else of
    the documents before it; the worker is retired after MAX_RENDERS documents, and
    killed (a new one started next time) when a document fails or runs out of time.
    A worker that leaves by itself (idle) is reaped when the next render finds it gone:
    until it is reaped its pid cannot be reused, so killing it is always safe.
    """

    MAX_RENDERS = 200
    # An idle worker leaves, giving its memory back; the next render starts another.
    IDLE_SECONDS = 600.0

    def __init__(self) -> None:
        job_read, self.jobs = os.pipe()
        self.replies, reply_write = os.pipe()
        self.pid = _fork(lambda: self._serve(job_read, reply_write))
        os.close(job_read)
        os.close(reply_write)
        self.renders = 0
        self.last_used = time.monotonic()

    def near_its_end(self) -> bool:
        """Retire it before it would leave by itself: a document sent just as it leaves
        would be lost."""
        idle = time.monotonic() - self.last_used
        return self.renders >= self.MAX_RENDERS or idle > self.IDLE_SECONDS / 2

    def _serve(self, job_read: int, reply_write: int) -> None:
        """The worker's life: render each job sent, until the parent closes the pipe."""
        os.close(self.jobs)
        os.close(self.replies)
        idle = selectors.DefaultSelector()
        idle.register(job_read, selectors.EVENT_READ)
        with os.fdopen(job_read, "rb") as jobs:
            while idle.select(self.IDLE_SECONDS) and (header := jobs.read(8)):
                # Pickled by our own parent process, over a pipe only the two share.
                job = pickle.loads(jobs.read(struct.unpack("!Q", header)[0]))  # noqa: S301
                _send(reply_write, _run(job))
                del job
                gc.collect()  # the document's garbage, while the web worker carries on

    def render(self, job: _Job, deadline: float) -> bytes:
        """Raises OSError if the worker has died while it waited for work."""
        self.renders += 1
        _send(self.jobs, pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))
        data = _read_with_deadline(self.replies, deadline)
        self.last_used = time.monotonic()
        return data

    def stop(self, *, now: bool) -> None:
        os.close(self.jobs)  # the worker reads the end of its input and leaves
        os.close(self.replies)
        if now:
            _stop(self.pid)
        else:
            _reap_soon(self.pid)


_worker: _RenderWorker | None = None
_worker_lock = threading.Lock()


def _render_in_worker(job: _Job, deadline: float) -> bytes:
    global _worker
    for _attempt in range(2):
        if _worker is not None and _worker.near_its_end():
            stop_render_worker()
        if _worker is None:
            _worker = _RenderWorker()
        worker = _worker
        try:
            data = worker.render(job, deadline)
        except OSError:
            # The worker died while it waited for work (the kernel's OOM killer, say):
            # start another and try once more.
            _worker = None
            worker.stop(now=True)
            continue
        except BaseException:
            # Timed out, died or sent half a message: this worker is not used again.
            _worker = None
            worker.stop(now=True)
            raise
        if data[:2] != b"OK":  # a failed document may have left anything behind
            _worker = None
            worker.stop(now=False)
        return data
    raise PdfError("The PDF could not be created. Please try again.")


def stop_render_worker() -> None:
    """Retire this process's render worker; the next render starts a new one."""
    global _worker
    if _worker is not None:
        worker, _worker = _worker, None
        worker.stop(now=False)


def _stop(pid: int) -> None:
    """Kill a rendering process and reap it now: it may be stuck."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    _reap(pid)


def _reap_soon(pid: int) -> None:
    """Reap a process that has finished its work off the request's path: tearing down
    its memory takes a few milliseconds (a process left unreaped stays a zombie)."""
    threading.Thread(target=_reap, args=(pid,), name=REAPER_THREAD, daemon=True).start()


REAPER_THREAD = "pdf-reaper"


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):  # already reaped by someone else
        os.waitpid(pid, 0)


def _read_with_deadline(fd: int, deadline: float) -> bytes:
    selector = selectors.DefaultSelector()
    selector.register(fd, selectors.EVENT_READ)
    chunks: list[bytes] = []
    expected: int | None = None
    received = 0
    try:
        while expected is None or received < expected + 8:
            remaining = deadline - time.perf_counter()
            if remaining <= 0 or not selector.select(remaining):
                raise PdfTimeout("Creating the PDF took too long. Please try again.")
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            received += len(chunk)
            if expected is None and received >= 8:
                expected = struct.unpack("!Q", b"".join(chunks)[:8])[0]
    finally:
        selector.close()
    data = b"".join(chunks)
    # A child killed half-way leaves a short message: never pass a truncated PDF on.
    if expected is None or len(data) != expected + 8:
        raise PdfError("The PDF could not be created. Please try again.")
    return data[8:]


def pdf_response(pdf: bytes, filename: str):
    """A download that browsers and proxies never keep: handouts carry patient data."""
    from django.http import HttpResponse

    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store, private, max-age=0"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def fast_font_subsetting_available() -> bool:
    """False when WeasyPrint would fall back to fontTools subsetting (many times slower)."""
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    return bool(harfbuzz_subset) and bool(harfbuzz.hb_version_atleast(4, 1, 0))
