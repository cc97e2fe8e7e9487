"""The only module that calls WeasyPrint.

Three rules every PDF follows:

1. One URL fetcher (SafeURLFetcher) for every HTML and CSS object. It serves our own
   static files, the current clinic's media folder, pictures our code made in memory
   and small inline images, and refuses anything else: http, https, ftp, files outside
   those folders, other clinics' media. A refused resource is simply left out of the
   document, and the refusal is logged. (A style sheet parsed once and reused gets a
   fetcher without any clinic's media; its url()s are fetched at render time by the
   document's own.)
2. No attachments: whatever `rel=attachment` points at is dropped before writing.
3. Each document is rendered in a child process of its own, forked for it alone, with a
   time limit (PDF_RENDER_TIMEOUT) and a limit on the address space it may add to what it
   inherits (PDF_RENDER_MEMORY_MB). A
   hostile or broken document can hang, crash or exhaust only that child: it is killed
   at the deadline, always reaped, and the caller gets PdfError (PdfTimeout), never part
   of a PDF. Renders run in the background task worker, one at a time, so nothing more
   (no pool, no long-lived render process) is needed.
"""

from __future__ import annotations

import base64
import functools
import gc
import logging
import os
import re
import resource
import selectors
import signal
import struct
import time
from collections.abc import Mapping
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Resource:
    body: bytes
    mime_type: str


class PdfError(Exception):
    """Rendering failed (the message is for the log; clinic.models.RenderJob.Failure
    says it to the reader)."""


class PdfTimeout(PdfError):
    pass


class PdfTooLarge(PdfError):
    """The render needed more memory than PDF_RENDER_MEMORY_MB."""


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
    """One font configuration per process (WeasyPrint would make one per style sheet
    and per document). Made here when the first style sheet is parsed, so each render's
    child inherits it; fonts a document adds (@font-face) stay in that child."""
    global _font_config
    if _font_config is None:
        _font_config = FontConfiguration()
    return _font_config


@functools.lru_cache(maxsize=8)
def _stylesheet(css: str) -> weasyprint.CSS:
    """A style sheet parsed once, in the parent, not once per document (the handout's
    took ~12 ms to parse). The sheets are our own templates, rendered without user text."""
    return weasyprint.CSS(
        string=css,
        base_url=static_base_url(),
        url_fetcher=SafeURLFetcher(roots=allowed_roots()),
        font_config=_fonts(),
    )


def render_in_process(
    html: str, *, fetcher: SafeURLFetcher, css: str = "", tagged: bool = True
) -> bytes:
    """Render in this process, without the time and memory limits: what render_pdf's
    child runs, and what tests call to inspect the fetcher afterwards.
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


@dataclass
class RenderResult:
    pdf: bytes
    seconds: float
    peak_memory_mb: float


GENERIC_FAILURE = "The PDF could not be created. Please try again."


# Emoji (a patient's or clinician's free text may hold them) print as empty boxes with our
# fonts, and a colour emoji font would add megabytes to every PDF: they are left out of
# PDFs, whole sequences at once (skin tones, flags, keycaps, ZWJ families), and the
# text around them stays as it was. Web pages show them with the reader's own fonts.
_EMOJI_CHAR = (
    "\U0001f000-\U0001faff"  # pictographs, emoticons, transport, flags, skin tones ...
    "\u2600-\u27bf"  # miscellaneous symbols and dingbats
    "\u2b00-\u2bff"  # arrows and stars used as emoji
    "\U000e0020-\U000e007f"  # tag characters (subdivision flags)
)
# An emoji goes with the spaces before it: "Felt great 💪🏽 today!" -> "Felt great today!".
_EMOJI = re.compile(
    f"[ \\t]*[{_EMOJI_CHAR}][\ufe0e\ufe0f\u20e3]*"
    f"(?:\u200d[{_EMOJI_CHAR}][\ufe0e\ufe0f]*)*|[\ufe0f\u20e3]"
)


def drop_emoji(text: str) -> str:
    """`text` without emoji. "Felt great 💪🏽 today" -> "Felt great today"."""
    return _EMOJI.sub("", text) if _EMOJI.search(text) else text


def render_pdf(
    html: str,
    *,
    css: str = "",
    media_dirs: tuple[Path, ...] = (),
    resources: Mapping[str, Resource] | None = None,
    timeout: float | None = None,
) -> RenderResult:
    """Render HTML (already escaped by our templates) to a tagged PDF, in a child process
    of its own, within `timeout` seconds (settings.PDF_RENDER_TIMEOUT by default) and
    settings.PDF_RENDER_MEMORY_MB more address space than it starts with.

    `css` is a style sheet of ours (no user text in it), parsed here once and inherited.
    `media_dirs` are the uploaded-file folders this document may use: the clinic's own.
    `resources` are pictures made by our code, named "limber:<name>" in the HTML.
    """
    timeout = settings.PDF_RENDER_TIMEOUT if timeout is None else timeout
    html = drop_emoji(html)
    if css:
        _stylesheet(css)
    fetcher = SafeURLFetcher(roots=allowed_roots(media_dirs), resources=resources)
    started = time.perf_counter()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_end)
            _send(write_end, _render_in_child(html, fetcher, css))
        finally:
            # Whatever happens, the child never returns into the caller's code, and runs
            # no clean-up on the way out (the parent's database connection stays its own).
            os._exit(0)
    os.close(write_end)
    try:
        reply = _read_until_closed(read_end, started + timeout)
        if reply is None:
            logger.error("PDF render stopped after %.0f s", timeout)
            raise PdfTimeout("Creating the PDF took too long. Please try again.")
    except BaseException:
        os.kill(pid, signal.SIGKILL)
        raise
    finally:
        os.close(read_end)
        # Reaped however it ended, so no render leaves a zombie behind.
        _, status = os.waitpid(pid, 0)
    return _result(reply, os.waitstatus_to_exitcode(status), time.perf_counter() - started)


def memory_limit_bytes() -> int:
    """What this process has reserved already, plus PDF_RENDER_MEMORY_MB for the render.

    Relative, not absolute: the address space a child inherits is the whole worker's,
    threads' reserved stacks and malloc arenas included (a few hundred MB in a worker,
    over a gigabyte in a long test run); an absolute limit would fail every render of a
    big process and bound nothing useful in a small one."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[0])
    return pages * os.sysconf("SC_PAGE_SIZE") + settings.PDF_RENDER_MEMORY_MB * 1024 * 1024


def _render_in_child(html: str, fetcher: SafeURLFetcher, css: str) -> bytes:
    """The child's reply: b"OK" + peak memory + PDF, b"ME" (out of memory) or b"ER" + why.

    Everything the child inherits is frozen first, out of the cyclic collector's reach:
    a render makes enough long-lived objects (boxes, styles) to set off full collections,
    and each walked every object of the worker (Django, the apps) for nothing to free:
    a sixth of a handout's render time. The render's own garbage is still collected.
    Only here, where the process ends with the render: a process that goes on (a test
    rendering in process) would keep its garbage frozen with the rest, render after
    render."""
    gc.freeze()
    try:
        limit = memory_limit_bytes()
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        pdf = render_in_process(html, fetcher=fetcher, css=css)
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return b"OK" + struct.pack("!Q", peak_kb) + pdf
    except MemoryError:
        return b"ME"
    except Exception as error:
        return b"ER" + repr(error)[:500].encode()


def _send(fd: int, payload: bytes) -> None:
    """Length first: a child killed half-way leaves a reply shorter than it announced."""
    view = memoryview(struct.pack("!Q", len(payload)) + payload)
    while view:
        view = view[os.write(fd, view) :]


def _read_until_closed(fd: int, deadline: float) -> bytes | None:
    """Everything the child writes, until it exits (closing its end of the pipe), or
    None if it is still running at the deadline."""
    chunks: list[bytes] = []
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0 or not selector.select(remaining):
                return None
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


def _result(reply: bytes, exit_code: int, seconds: float) -> RenderResult:
    """A PDF only from a child that sent its whole reply and exited cleanly."""
    complete = len(reply) >= 8 and struct.unpack("!Q", reply[:8])[0] == len(reply) - 8
    kind, body = reply[8:10], reply[10:]
    if complete and exit_code == 0 and kind == b"OK":
        (peak_kb,) = struct.unpack("!Q", body[:8])
        return RenderResult(pdf=body[8:], seconds=seconds, peak_memory_mb=peak_kb / 1024)
    if complete and kind == b"ME":
        logger.error("PDF render ran out of memory (%d MB)", settings.PDF_RENDER_MEMORY_MB)
        raise PdfTooLarge("The PDF is too large to create.")
    if complete and kind == b"ER":
        logger.error("PDF render failed: %s", body.decode(errors="replace"))
    else:
        # Killed (perhaps by a C library that ran out of memory) or crashed mid-reply.
        logger.error(
            "PDF render process ended without a whole reply (exit code %d, memory limit %d MB)",
            exit_code,
            settings.PDF_RENDER_MEMORY_MB,
        )
    raise PdfError(GENERIC_FAILURE)


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
