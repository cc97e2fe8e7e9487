"""clinic.lib.pdf is the only WeasyPrint caller: prove what a hostile document cannot do.

Every HTML and CSS construct that carries a URL is tried with every kind of URL we can
think of (remote, local files outside the allowed folders, traversal, symlinks). The
proofs are physical, not just "the fetcher said no": a real HTTP server on 127.0.0.1
counts connections, socket calls and Python-level file opens are logged through a file
descriptor (so a forked render child reports too), secret files carry markers that must
never reach the PDF, and the PDF object graph is searched for embedded files and images.
"""

from __future__ import annotations

import base64
import builtins
import contextlib
import gc
import http.client
import io
import os
import pathlib
import resource
import runpy
import signal
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urljoin

import pytest
from django.conf import settings as django_settings
from django.template import Context, Template
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject
from weasyprint.urls import url_is_absolute

from clinic.lib import pdf as clinic_pdf
from clinic.lib.pdf import (
    OUR_STATIC,
    PdfError,
    PdfTimeout,
    PdfTooLarge,
    Resource,
    SafeURLFetcher,
    allowed_roots,
    fast_font_subsetting_available,
    render_in_process,
    render_pdf,
    static_base_url,
)
from tests.pdf_text import pdf_text

MARKER = "LIMBER-SECRET"


@pytest.fixture
def forked(monkeypatch) -> list[int]:
    """The pids of the children render_pdf forks, to check each one was reaped."""
    pids: list[int] = []
    real_fork = os.fork

    def fork() -> int:
        pid = real_fork()
        if pid:
            pids.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", fork)
    return pids


# --- A real server that counts every connection ---------------------------------------


class _CountingHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.server.requests.append(self.requestline)
        body = b'html::after { content: "LIMBER-SECRET-from-network" }'
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_POST = do_GET

    def log_message(self, *args) -> None:
        pass


class _CountingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _CountingHandler)
        self.connections = 0
        self.requests: list[str] = []
        self._lock = threading.Lock()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def verify_request(self, request, client_address) -> bool:
        # Called for every accepted connection, even a TLS handshake that never
        # becomes an HTTP request (https:// pointed at this plain HTTP server).
        with self._lock:
            self.connections += 1
        return True


@pytest.fixture
def server():
    httpd = _CountingServer()
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    # The zero counts below only mean something if the server does count: check it.
    connection = http.client.HTTPConnection("127.0.0.1", httpd.port, timeout=5)
    connection.request("GET", "/sanity")
    assert connection.getresponse().status == 200
    connection.close()
    deadline = time.monotonic() + 2
    while httpd.connections < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert httpd.connections == 1
    assert httpd.requests == ["GET /sanity HTTP/1.1"]
    httpd.connections = 0
    httpd.requests.clear()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


# --- Recording sockets and file opens, across fork ------------------------------------


@dataclass
class IoLog:
    path: Path
    recording: Callable[[], contextlib.AbstractContextManager[None]]  # patches while open

    def lines(self) -> list[str]:
        return self.path.read_text().splitlines() if self.path.exists() else []

    def network(self) -> list[str]:
        return [line for line in self.lines() if line.startswith("net ")]

    def opened(self) -> list[str]:
        return [line[5:] for line in self.lines() if line.startswith("open ")]


@pytest.fixture
def io_log(tmp_path, monkeypatch):
    """Log every socket connect / DNS lookup / Python-level file open while rendering.

    Lines go to an O_APPEND descriptor with os.write (no open() call, no recursion), so
    a child forked by render_pdf, which inherits the patches and the descriptor, logs
    into the same file. Loopback connects go through, to be counted by the server too;
    anything else is refused so that a failing test never reaches the real network.
    """
    log_path = tmp_path / "io.log"
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def note(kind: str, what) -> None:
        os.write(fd, f"{kind} {what}".replace("\n", " ").encode(errors="replace") + b"\n")

    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_create_connection = socket.create_connection
    real_getaddrinfo = socket.getaddrinfo

    def loopback(address) -> bool:
        return isinstance(address, tuple) and address[0] in ("127.0.0.1", "localhost")

    def connect(self, address):
        note("net", f"connect {address!r}")
        if not loopback(address):
            raise OSError("outbound connection blocked by test_pdf_safety")
        return real_connect(self, address)

    def connect_ex(self, address):
        note("net", f"connect_ex {address!r}")
        if not loopback(address):
            raise OSError("outbound connection blocked by test_pdf_safety")
        return real_connect_ex(self, address)

    def create_connection(address, *args, **kwargs):
        note("net", f"create_connection {address!r}")
        return real_create_connection(address, *args, **kwargs)

    def getaddrinfo(host, *args, **kwargs):
        note("net", f"getaddrinfo {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    real_io_open = io.open
    real_os_open = os.open
    real_read_bytes = pathlib.Path.read_bytes

    def logged_io_open(file, *args, **kwargs):
        if not isinstance(file, int):
            note("open", os.fsdecode(os.fspath(file)))
        return real_io_open(file, *args, **kwargs)

    def logged_os_open(path, *args, **kwargs):
        note("open", os.fsdecode(os.fspath(path)))
        return real_os_open(path, *args, **kwargs)

    def logged_read_bytes(self):
        note("open", os.fspath(self))
        return real_read_bytes(self)

    @contextlib.contextmanager
    def recording():
        with monkeypatch.context() as patch:
            patch.setattr(socket.socket, "connect", connect)
            patch.setattr(socket.socket, "connect_ex", connect_ex)
            patch.setattr(socket, "create_connection", create_connection)
            patch.setattr(socket, "getaddrinfo", getaddrinfo)
            patch.setattr(builtins, "open", logged_io_open)
            patch.setattr(io, "open", logged_io_open)
            patch.setattr(os, "open", logged_os_open)
            patch.setattr(pathlib.Path, "read_bytes", logged_read_bytes)
            yield

    yield IoLog(log_path, recording)
    os.close(fd)


def test_the_recorders_do_see_a_leak_even_from_a_forked_child(server, io_log, tmp_path):
    """The zero counts in this file are meaningful: a leak, even in a child, is seen."""
    secret = tmp_path / "secret.txt"
    secret.write_text(MARKER)

    with io_log.recording():
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            try:
                secret.read_bytes()
                connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
                connection.request("GET", "/leak")
                connection.getresponse().read()
            finally:
                os._exit(0)
        os.waitpid(pid, 0)

    assert str(secret) in io_log.opened()
    assert any(f"{server.port})" in line for line in io_log.network())
    assert server.requests == ["GET /leak HTTP/1.1"]
    assert server.connections == 1


# --- PDF inspection ---------------------------------------------------------------------


def pdf_objects(reader: PdfReader) -> list[DictionaryObject]:
    """Every dictionary and stream reachable from the trailer: the whole document."""
    seen: set[tuple[int, int]] = set()
    stack: list = [reader.trailer]
    found: list[DictionaryObject] = []
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            found.append(item)
            stack.extend(item.values())
        elif isinstance(item, ArrayObject):
            stack.extend(item)
    return found


def embedded_files(reader: PdfReader) -> list[str]:
    """Attachments of every kind: the /EmbeddedFiles name tree and /FileAttachment
    annotations (pypdf's .attachments only reads the former)."""
    return [
        f"{obj.get('/Type')} {obj.get('/Subtype')}"
        for obj in pdf_objects(reader)
        if obj.get("/Type") in ("/EmbeddedFile", "/Filespec")
        or obj.get("/Subtype") == "/FileAttachment"
        or "/EF" in obj
    ]


def image_xobjects(reader: PdfReader) -> list[StreamObject]:
    return [
        obj
        for obj in pdf_objects(reader)
        if isinstance(obj, StreamObject) and obj.get("/Subtype") == "/Image"
    ]


def assert_no_attachments(pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(pdf))
    assert embedded_files(reader) == []
    assert not reader.attachments
    assert b"/EmbeddedFile" not in pdf


def png_bytes(color: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), color).save(buffer, "PNG")
    return buffer.getvalue()


def page(body: str, head: str = "") -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Test</title>{head}</head><body>{body}</body></html>"
    )


def fetcher_for(*media_dirs: Path) -> SafeURLFetcher:
    return SafeURLFetcher(roots=allowed_roots(tuple(media_dirs)))


# --- The hostile document ---------------------------------------------------------------


@dataclass(frozen=True)
class Construct:
    name: str
    html: str  # placeholders: {url} and {n} (a unique number, for class names)
    kind: str  # what the secret behind file:// URLs is: "image", "css" or "text"
    # Must WeasyPrint ask the fetcher for this URL? (The test then checks it was asked
    # and refused.) False where it never fetches, or where a fix may drop the element
    # before any fetch: attachments, see test_it_embeds_no_attachments_...
    fetches: bool


CONSTRUCTS = [
    Construct("img", '<img alt="i" src="{url}">', "image", True),
    Construct("link-stylesheet", '<link rel="stylesheet" href="{url}">', "css", True),
    Construct("style-import", '<style>@import url("{url}");</style>', "css", True),
    Construct(
        "style-attr-background",
        "<div style=\"background-image: url('{url}'); width: 8px; height: 8px\"></div>",
        "image",
        True,
    ),
    Construct("object", '<object data="{url}" type="image/png">o</object>', "image", True),
    Construct("embed", '<embed src="{url}" type="image/png">', "image", True),
    Construct("iframe", '<iframe src="{url}"></iframe>', "text", False),
    Construct(
        "svg-image-href",
        '<svg width="8" height="8"><image href="{url}" width="8" height="8"/></svg>',
        "image",
        True,
    ),
    Construct(
        "svg-image-xlink",
        '<svg xmlns:xlink="http://www.w3.org/1999/xlink" width="8" height="8">'
        '<image xlink:href="{url}" width="8" height="8"/></svg>',
        "image",
        True,
    ),
    Construct(
        "svg-use", '<svg width="8" height="8"><use href="{url}#shape"/></svg>', "image", False
    ),
    Construct("a-attachment", '<a rel="attachment" href="{url}">attachment</a>', "text", False),
    Construct("link-attachment", '<link rel="attachment" href="{url}">', "text", False),
    Construct(
        "font-face",
        '<style>@font-face {{ font-family: "Hostile{n}"; src: url("{url}"); }}'
        ' .font{n} {{ font-family: "Hostile{n}" }}</style><p class="font{n}">font</p>',
        "text",
        True,
    ),
    Construct(
        "list-style-image",
        "<ul style=\"list-style-image: url('{url}')\"><li>item</li></ul>",
        "image",
        True,
    ),
    Construct(
        "video-audio-source",
        '<video poster="{url}" src="{url}"><source src="{url}"></video><audio src="{url}"></audio>',
        "image",
        False,
    ),
    Construct("input-image", '<input type="image" src="{url}" alt="go">', "image", False),
    Construct(
        "content-url",
        '<style>.content{n}::before {{ content: url("{url}"); }}</style>'
        '<p class="content{n}">c</p>',
        "image",
        True,
    ),
    Construct(
        "border-image-source",
        "<div style=\"border: 6px solid; border-image-source: url('{url}');"
        ' border-image-slice: 2">b</div>',
        "image",
        True,
    ),
    Construct("cursor", "<p style=\"cursor: url('{url}'), auto\">cursor</p>", "image", False),
    Construct("meta-refresh", '<meta http-equiv="refresh" content="0; url={url}">', "text", False),
]


def write_secret(directory: Path, name: str, kind: str) -> Path:
    """A file outside every allowed root, whose content would show if it ever leaked."""
    marker = f"{MARKER}-{name}"
    if kind == "image":
        secret = directory / f"{name}.png"
        secret.write_bytes(png_bytes("blue"))
    elif kind == "css":
        secret = directory / f"{name}.css"
        secret.write_text(f'html::after {{ content: "{marker}" }}')
    else:
        secret = directory / f"{name}.txt"
        secret.write_text(marker)
    return secret


def hostile_urls(port: int, secret: Path) -> dict[str, str]:
    """Every URL form for one construct: remote, absolute file, traversal, relative."""
    up = "../" * (len(OUR_STATIC.resolve().parts) + 2)
    encoded_up = "%2e%2e/" * (len(OUR_STATIC.resolve().parts) + 2)
    encoded_traversal = f"{OUR_STATIC.resolve().as_uri()}/{encoded_up}{str(secret)[1:]}"
    return {
        "http": f"http://127.0.0.1:{port}/{secret.name}",
        "https": f"https://127.0.0.1:{port}/{secret.name}",
        "ftp": f"ftp://127.0.0.1:{port}/{secret.name}",
        "protocol-relative": f"//127.0.0.1:{port}/{secret.name}",
        "file-etc-passwd": "file:///etc/passwd",
        "file-secret": secret.as_uri(),
        "file-localhost-secret": f"file://localhost{secret}",
        "file-uppercase-scheme": "FILE://" + secret.as_uri().removeprefix("file://"),
        "file-encoded-traversal": encoded_traversal,
        "relative-traversal-etc": f"{up}etc/hostname",
        "relative-traversal-secret": os.path.relpath(secret, OUR_STATIC.resolve()),
    }


@dataclass
class Hostile:
    html: str
    secrets: dict[str, Path]  # construct name -> its secret file
    urls: dict[str, dict[str, str]]  # construct name -> form -> URL


def hostile_document(port: int, outside: Path, *, head: str = "") -> Hostile:
    outside.mkdir(parents=True, exist_ok=True)
    blocks = ["<h1>Hostile document</h1><p>The visible sentence survives.</p>"]
    secrets: dict[str, Path] = {}
    urls: dict[str, dict[str, str]] = {}
    n = 0
    for construct in CONSTRUCTS:
        secrets[construct.name] = write_secret(outside, construct.name, construct.kind)
        urls[construct.name] = hostile_urls(port, secrets[construct.name])
        for url in urls[construct.name].values():
            n += 1
            blocks.append(construct.html.format(url=url, n=n))
    return Hostile(page("\n".join(blocks), head=head), secrets, urls)


def assert_nothing_leaked(pdf: bytes, hostile: Hostile, server: _CountingServer) -> None:
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    assert "The visible sentence survives." in text
    assert MARKER not in text
    assert MARKER.encode() not in pdf
    assert server.connections == 0, server.requests
    assert server.requests == []
    reader = PdfReader(io.BytesIO(pdf))
    assert image_xobjects(reader) == []  # every image URL pointed at something forbidden
    assert_no_attachments(pdf)


def as_fetched(url: str) -> str:
    """The URL WeasyPrint hands the fetcher: relative ones are joined to the static base."""
    return url if url_is_absolute(url) else urljoin(static_base_url(), url)


def forbidden_paths(hostile: Hostile) -> set[str]:
    secrets = {str(path.resolve()) for path in hostile.secrets.values()}
    return secrets | {"/etc/passwd", "/etc/hostname"}


# --- 1. The hostile document: no network, no foreign file, no attachment ---------------


def test_it_refuses_every_url_construct_in_every_form(server, io_log, tmp_path):
    hostile = hostile_document(server.port, tmp_path / "outside")
    assert len(CONSTRUCTS) >= 15
    fetcher = fetcher_for()

    with io_log.recording():
        pdf = render_in_process(hostile.html, fetcher=fetcher)

    assert_nothing_leaked(pdf, hostile, server)
    # (a) no socket was even attempted, not just "no request arrived"
    assert io_log.network() == []
    # (b) nothing outside the roots was opened, and the fetcher served nothing at all
    assert fetcher.served == []
    opened = {str(Path(path).resolve()) for path in io_log.opened()}
    assert opened.isdisjoint(forbidden_paths(hostile))
    assert not any(path.startswith(str(tmp_path / "outside")) for path in opened)
    # The fetcher was really asked, for every form, by every construct that fetches:
    # the document did not simply fail to reference anything.
    for construct in CONSTRUCTS:
        if not construct.fetches:
            continue
        for form, url in hostile.urls[construct.name].items():
            assert as_fetched(url) in fetcher.refused, (construct.name, form)
    assert "file:///etc/passwd" in fetcher.refused
    assert "file:///etc/hostname" in fetcher.refused
    assert f"file://127.0.0.1:{server.port}/img.png" in fetcher.refused  # protocol-relative


def test_every_refusal_is_logged(caplog):
    fetcher = fetcher_for()
    html = page('<p>x</p><img alt="a" src="file:///etc/passwd"><img alt="b" src="ftp://h/x.png">')

    render_in_process(html, fetcher=fetcher)

    logged = [record.getMessage() for record in caplog.records if record.name == "clinic.lib.pdf"]
    assert logged == [
        "PDF resource refused: file:///etc/passwd",
        "PDF resource refused: ftp://h/x.png",
    ]


def test_the_forked_render_makes_no_requests_either(server, io_log, tmp_path):
    """render_pdf renders in a child: the server and the fd-based log see the child too."""
    hostile = hostile_document(server.port, tmp_path / "outside")

    with io_log.recording():
        result = render_pdf(hostile.html, timeout=30)

    assert_nothing_leaked(result.pdf, hostile, server)
    assert io_log.network() == []
    opened = {str(Path(path).resolve()) for path in io_log.opened()}
    assert opened.isdisjoint(forbidden_paths(hostile))


@pytest.mark.parametrize(
    "base",
    ["http://127.0.0.1:{port}/", "https://127.0.0.1:{port}/", "//127.0.0.1:{port}/", "{outside}/"],
)
def test_a_base_element_cannot_redirect_relative_urls(server, io_log, tmp_path, base):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "photo.png").write_bytes(png_bytes())
    (outside / "style.css").write_text(f'html::after {{ content: "{MARKER}-base" }}')
    base = base.format(port=server.port, outside=outside.as_uri())
    html = page(
        '<p>Relative links below.</p><img alt="p" src="photo.png">',
        head=f'<base href="{base}"><link rel="stylesheet" href="style.css">',
    )
    fetcher = fetcher_for()

    with io_log.recording():
        pdf = render_in_process(html, fetcher=fetcher)

    resolved_base = base if not base.startswith("//") else f"file:{base}"
    assert f"{resolved_base}photo.png" in fetcher.refused
    assert f"{resolved_base}style.css" in fetcher.refused
    assert fetcher.served == []
    assert MARKER not in pdf_text(pdf)
    assert image_xobjects(PdfReader(io.BytesIO(pdf))) == []
    assert server.connections == 0
    assert io_log.network() == []


def test_an_inline_svg_image_cannot_reach_out_either(server, tmp_path):
    """data:image/svg+xml is served (it is an image), but what it references is not."""
    secret = tmp_path / "secret.png"
    secret.write_bytes(png_bytes())
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8">'
        f'<image href="{secret.as_uri()}" width="8" height="8"/>'
        f'<image href="http://127.0.0.1:{server.port}/x.png" width="8" height="8"/>'
        '<image href="file:///etc/passwd" width="8" height="8"/></svg>'
    )
    url = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    fetcher = fetcher_for()

    pdf = render_in_process(page(f'<p>svg</p><img alt="s" src="{url}">'), fetcher=fetcher)

    assert secret.as_uri() in fetcher.refused
    assert f"http://127.0.0.1:{server.port}/x.png" in fetcher.refused
    assert "file:///etc/passwd" in fetcher.refused
    assert fetcher.served == []
    assert image_xobjects(PdfReader(io.BytesIO(pdf))) == []
    assert server.connections == 0


def test_svg_external_entities_are_not_expanded(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text(f"{MARKER}-xxe")
    svg = (
        f'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY leak SYSTEM "{secret.as_uri()}">]>'
        '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="40">'
        '<text x="0" y="20">&leak;</text></svg>'
    )
    url = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    fetcher = fetcher_for()

    pdf = render_in_process(page(f'<p>xxe</p><img alt="x" src="{url}">'), fetcher=fetcher)

    assert MARKER not in pdf_text(pdf)
    assert fetcher.served == []


# WeasyPrint 70 does not catch a failed fetch for `@color-profile { src: url() }`
# (css/__init__.py, preprocess_stylesheet): one refused profile URL aborts the whole
# render instead of leaving the profile out. That is why it is not in CONSTRUCTS. The
# failure is at least a safe one: an error, no request, no file read.
@pytest.mark.parametrize("form", ["http", "file-secret", "relative-traversal-etc"])
def test_a_refused_color_profile_fails_the_render_safely(server, io_log, tmp_path, form):
    secret = write_secret(tmp_path, "profile", "text")
    url = hostile_urls(server.port, secret)[form]
    html = page(f'<style>@color-profile --p {{ src: url("{url}"); }}</style><p>p</p>')

    with io_log.recording(), pytest.raises(PdfError):
        render_pdf(html, timeout=20)

    assert server.connections == 0
    assert io_log.network() == []
    opened = {str(Path(path).resolve()) for path in io_log.opened()}
    assert opened.isdisjoint({str(secret), "/etc/passwd", "/etc/hostname"})


# --- 2. What is allowed still works -------------------------------------------------


@pytest.fixture
def media(tmp_path) -> dict[str, Path]:
    """Two clinics' upload folders side by side, each with the same photo."""
    root = tmp_path / "media" / "exercise-photos"
    folders = {
        "ours": root / "11111111-aaaa",
        "theirs": root / "22222222-bbbb",
        # Same prefix as ours: a string prefix test would let it through.
        "prefix": root / "11111111-aaaa-evil",
    }
    for folder in folders.values():
        folder.mkdir(parents=True)
        (folder / "photo.png").write_bytes(png_bytes())
    return folders


def test_it_serves_a_photo_from_the_clinics_own_media_folder(media):
    photo = media["ours"] / "photo.png"
    fetcher = fetcher_for(media["ours"])

    pdf = render_in_process(page(f'<img alt="p" src="{photo.as_uri()}">'), fetcher=fetcher)

    assert fetcher.served == [str(photo.resolve())]
    assert fetcher.refused == []
    assert len(image_xobjects(PdfReader(io.BytesIO(pdf)))) == 1


@pytest.mark.parametrize(
    "url",
    [
        "{theirs}/photo.png",
        "{prefix}/photo.png",
        "{ours}/../22222222-bbbb/photo.png",
        "{ours}/%2e%2e/22222222-bbbb/photo.png",
    ],
)
def test_it_refuses_another_clinics_media(media, url):
    url = url.format(**{name: folder.as_uri() for name, folder in media.items()})
    fetcher = fetcher_for(media["ours"])

    pdf = render_in_process(page(f'<p>x</p><img alt="p" src="{url}">'), fetcher=fetcher)

    assert fetcher.refused == [url]
    assert fetcher.served == []
    assert image_xobjects(PdfReader(io.BytesIO(pdf))) == []


def test_it_renders_inline_data_images():
    url = "data:image/png;base64," + base64.b64encode(png_bytes()).decode()
    fetcher = fetcher_for()

    pdf = render_in_process(page(f'<img alt="d" src="{url}">'), fetcher=fetcher)

    assert fetcher.refused == []
    assert len(image_xobjects(PdfReader(io.BytesIO(pdf)))) == 1


def test_it_refuses_inline_images_that_are_not_small():
    """A data: URL is decoded in memory, whole: only small ones are served."""
    noise = io.BytesIO()
    Image.frombytes("L", (1500, 1500), os.urandom(1500 * 1500)).save(noise, "PNG")
    big = "data:image/png;base64," + base64.b64encode(noise.getvalue()).decode()
    assert len(big) > clinic_pdf.MAX_INLINE_IMAGE
    small = "data:image/png;base64," + base64.b64encode(png_bytes()).decode()
    fetcher = fetcher_for()

    pdf = render_in_process(
        page(f'<img alt="b" src="{big}"><img alt="s" src="{small}">'), fetcher=fetcher
    )

    assert fetcher.refused == [big]
    assert len(image_xobjects(PdfReader(io.BytesIO(pdf)))) == 1


def test_it_serves_only_the_in_memory_resources_it_was_given():
    fetcher = SafeURLFetcher(
        roots=allowed_roots(), resources={"dot": Resource(png_bytes(), "image/png")}
    )
    html = page(
        '<img alt="ours" src="limber:dot"><img alt="unknown" src="limber:other">'
        '<img alt="climbing" src="limber:../dot">'
    )

    pdf = render_in_process(html, fetcher=fetcher)

    assert fetcher.refused == ["limber:other", "limber:../dot"]
    assert len(image_xobjects(PdfReader(io.BytesIO(pdf)))) == 1


def test_it_refuses_data_urls_that_are_not_images():
    html_url = "data:text/html;base64," + base64.b64encode(b"<p>LIMBER-SECRET</p>").decode()
    pdf_url = "data:application/pdf;base64," + base64.b64encode(b"%PDF-1.7 fake").decode()
    css_url = "data:text/css," + 'html::after{content:"LIMBER-SECRET-css"}'
    html = page(
        f'<p>data</p><img alt="h" src="{html_url}"><object data="{pdf_url}"></object>'
        f'<embed src="{html_url}"><a rel="attachment" href="{pdf_url}">pdf</a>',
        head=f'<link rel="stylesheet" href="{css_url}"><link rel="attachment" href="{html_url}">',
    )
    fetcher = fetcher_for()

    pdf = render_in_process(html, fetcher=fetcher)

    assert html_url in fetcher.refused
    assert pdf_url in fetcher.refused
    assert any(url.startswith("data:text/css,") for url in fetcher.refused)
    assert MARKER not in pdf_text(pdf)
    assert_no_attachments(pdf)


# Found by this test and fixed in render_in_process(): WeasyPrint embeds the targets of
# `<a rel="attachment">` and `<link rel="attachment">` as PDF file attachments, so
# whatever the fetcher serves could be embedded: a `data:image/...` URL carrying any
# bytes under an attacker-chosen file name (`download="..."`), or any file from our
# static folder, STATIC_ROOT or the clinic's media. They are now stripped before writing.
@pytest.mark.parametrize(
    "markup",
    [
        '<a rel="attachment" download="invoice.pdf.exe"'
        ' href="data:image/png;base64,TVqQAAMAAAAEAAAA">invoice</a>',
        '<a rel="attachment" href="clinic/favicon.svg">icon</a>',
        '<link rel="attachment" href="clinic/favicon.svg">',
        '<a rel="attachment" href="{photo}">photo</a>',
    ],
    ids=["data-url-any-bytes", "a-static-file", "link-static-file", "a-media-file"],
)
def test_it_embeds_no_attachments_even_from_allowed_sources(media, markup):
    photo = (media["ours"] / "photo.png").as_uri()
    fetcher = fetcher_for(media["ours"])

    pdf = render_in_process(page("<p>a</p>" + markup.format(photo=photo)), fetcher=fetcher)

    assert_no_attachments(pdf)


# --- 3. Symlinks cannot escape a root ----------------------------------------------------


def test_a_symlink_inside_a_root_pointing_outside_is_refused(media, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.png").write_bytes(png_bytes("blue"))
    (outside / "secret.css").write_text(f'html::after {{ content: "{MARKER}-link" }}')
    ours = media["ours"]
    (ours / "innocent.png").symlink_to(outside / "secret.png")
    (ours / "innocent.css").symlink_to(outside / "secret.css")
    (ours / "folder").symlink_to(outside, target_is_directory=True)
    (ours / "passwd.png").symlink_to("/etc/passwd")
    urls = [
        (ours / "innocent.png").as_uri(),
        (ours / "folder" / "secret.png").as_uri(),
        (ours / "passwd.png").as_uri(),
    ]
    css_url = (ours / "innocent.css").as_uri()
    html = page(
        "<p>links</p>" + "".join(f'<img alt="l" src="{url}">' for url in urls),
        head=f'<link rel="stylesheet" href="{css_url}">',
    )
    fetcher = fetcher_for(ours)

    pdf = render_in_process(html, fetcher=fetcher)

    assert sorted(fetcher.refused) == sorted([*urls, css_url])
    assert fetcher.served == []
    assert MARKER not in pdf_text(pdf)
    assert image_xobjects(PdfReader(io.BytesIO(pdf))) == []


def test_a_symlink_staying_inside_the_root_is_served(media):
    ours = media["ours"]
    (ours / "alias.png").symlink_to(ours / "photo.png")
    fetcher = fetcher_for(ours)

    render_in_process(page(f'<img alt="a" src="{(ours / "alias.png").as_uri()}">'), fetcher=fetcher)

    assert fetcher.served == [str((ours / "photo.png").resolve())]


# --- 4. Each render runs in a child, stopped at its time and memory limits, and reaped ----


def assert_reaped(pids: list[int]) -> None:
    """render_pdf forked a child for the document and reaped it before returning: not
    running, not a zombie. (Once reaped, waitpid on it fails: it is no child of ours.)"""
    assert pids, "render_pdf did not render in a child process"
    for pid in pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def heavy_document() -> str:
    # 5,000 table rows take about 12 s to lay out (measured): far beyond any deadline here.
    rows = "".join(
        f"<tr><td>Row {i}</td><td>Some text cell number {i}</td><td>{i * 7}</td></tr>"
        for i in range(5000)
    )
    return page(f"<table>{rows}</table>")


def test_a_slow_render_is_stopped_at_the_deadline(forked):
    html = heavy_document()
    started = time.perf_counter()

    with pytest.raises(PdfTimeout):
        render_pdf(html, timeout=0.5)

    assert time.perf_counter() - started < 2.0
    assert_reaped(forked)


def test_the_time_limit_comes_from_the_settings(settings, forked):
    settings.PDF_RENDER_TIMEOUT = 0.5
    started = time.perf_counter()

    with pytest.raises(PdfTimeout):
        render_pdf(heavy_document())

    assert time.perf_counter() - started < 2.0
    assert_reaped(forked)


@pytest.mark.parametrize(
    ("environment", "timeout", "memory_mb"),
    [
        ({}, 20.0, 1024),
        ({"PDF_RENDER_TIMEOUT": "7.5", "PDF_RENDER_MEMORY_MB": "512"}, 7.5, 512),
    ],
)
def test_the_limits_are_set_from_the_environment(monkeypatch, environment, timeout, memory_mb):
    monkeypatch.delenv("PDF_RENDER_TIMEOUT", raising=False)
    monkeypatch.delenv("PDF_RENDER_MEMORY_MB", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    values = runpy.run_path(str(Path(django_settings.BASE_DIR) / "clinic" / "settings.py"))

    assert values["PDF_RENDER_TIMEOUT"] == timeout
    assert values["PDF_RENDER_MEMORY_MB"] == memory_mb


def big_picture_document(side: int = 6000) -> str:
    """A tiny file that is a huge picture: 120 KB of PNG, 6000 x 6000 pixels, which take
    about 250 MB to decode and write (measured)."""
    buffer = io.BytesIO()
    Image.new("RGB", (side, side), "red").save(buffer, "PNG", optimize=True)
    url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    return page(f'<p>big</p><img alt="big" src="{url}" style="width: 5cm">')


def address_space_mb() -> int:
    """This process's address space now: what a child forked from it starts with."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) // 1024
    raise AssertionError("no VmSize in /proc/self/status")


def test_a_document_that_needs_too_much_memory_fails_in_its_child(settings, forked, caplog):
    # 100 MB more than the child starts with: the picture needs about 250 MB.
    settings.PDF_RENDER_MEMORY_MB = 100

    with pytest.raises(PdfTooLarge):
        render_pdf(big_picture_document(), timeout=20)

    assert_reaped(forked)
    assert "ran out of memory" in caplog.text
    # This process is untouched, and renders the next document at its usual limit.
    settings.PDF_RENDER_MEMORY_MB = 1024
    assert "Next" in pdf_text(render_pdf(page("<p>Next</p>")).pdf)


def test_a_big_worker_process_still_renders(forked):
    """Found in a full test run: with an absolute limit, a process that had reserved over
    a gigabyte of address space (threads' stacks, malloc arenas; little of it used)
    failed every render as "out of memory". The limit is on what the render adds."""
    import mmap

    reserved = mmap.mmap(-1, 1536 * 2**20)  # reserved, never touched: no real memory
    try:
        assert "Big" in pdf_text(render_pdf(page("<p>Big</p>")).pdf)
    finally:
        reserved.close()
    assert_reaped(forked)


def _report_the_memory_limit(html, *, fetcher, css="", tagged=True):
    limit, _hard = resource.getrlimit(resource.RLIMIT_AS)
    return f"{limit} {address_space_mb()}".encode()


def test_the_memory_limit_comes_from_the_settings(settings, monkeypatch, forked):
    settings.PDF_RENDER_MEMORY_MB = 900
    # fork() copies the patched module into the child: this is what the child runs.
    monkeypatch.setattr(clinic_pdf, "render_in_process", _report_the_memory_limit)

    result = render_pdf(page("<p>limit</p>"))

    limit, inherited_mb = (int(part) for part in result.pdf.split())
    # What the child had when it set the limit, plus the setting; a long test run's
    # process may hold well over a gigabyte, which must not fail the render.
    assert abs(limit / 2**20 - (inherited_mb + 900)) < 64
    assert resource.getrlimit(resource.RLIMIT_AS)[0] == resource.RLIM_INFINITY  # not here
    assert_reaped(forked)


def _die_in_child(html, *, fetcher, css="", tagged=True):
    os.kill(os.getpid(), signal.SIGKILL)


# Once a bug, now fixed: when the render child died without writing (OOM killer, a crash
# in Pango/HarfBuzz), render_pdf() reaped it only on a timeout, so every crashed render
# left a zombie process behind. It now reaps the child however it ended.
def test_a_crashed_render_child_is_reaped(monkeypatch, forked, caplog):
    # fork() copies the patched module into the child: this is what the child runs.
    monkeypatch.setattr(clinic_pdf, "render_in_process", _die_in_child)

    with pytest.raises(PdfError):
        render_pdf(page("<p>crash</p>"), timeout=10)

    assert_reaped(forked)
    assert f"exit code {-signal.SIGKILL}" in caplog.text  # it really died, no error reply


# Once a bug, now fixed: a child killed while writing (OOM killer) left a short payload,
# which was returned as a success (and cached for a day). render_pdf() now checks that
# every announced byte arrived, and that the child then exited normally: either alone
# catches a child killed half-way; each is needed for one of the other two cases.
@pytest.mark.parametrize(
    ("announced", "end"),
    [(100_000, "killed"), (100_000, "exit 0"), (None, "killed")],
    ids=["half-written-then-killed", "half-written-then-exit-0", "whole-then-killed"],
)
def test_a_child_that_fails_while_replying_is_an_error(monkeypatch, forked, announced, end):
    write_ends: list[int] = []
    real_pipe = os.pipe

    def spy_pipe():
        read_end, write_end = real_pipe()
        write_ends.append(write_end)
        return read_end, write_end

    def reply_then_die(html, *, fetcher, css="", tagged=True):
        reply = b"OK" + struct.pack("!Q", 1024) + b"%PDF-1.7 not the end"
        os.write(write_ends[-1], struct.pack("!Q", announced or len(reply)) + reply)
        if end == "killed":
            os.kill(os.getpid(), signal.SIGKILL)
        os._exit(0)  # as the child does when writing its reply fails half-way

    monkeypatch.setattr(os, "pipe", spy_pipe)
    monkeypatch.setattr(clinic_pdf, "render_in_process", reply_then_die)

    with pytest.raises(PdfError):
        render_pdf(page("<p>half</p>"), timeout=10)

    assert_reaped(forked)


def _png(colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 40), colour).save(out, "PNG")
    return out.getvalue()


def _images(pdf: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_document_gets_nothing_of_the_document_before_it(forked):
    with_picture = page('<img src="limber:pic" alt="a picture">')
    assert _images(render_pdf(with_picture, resources={"pic": Resource(_png(), "image/png")}).pdf)
    # The same name in the next document, without the picture: refused, not remembered.
    assert _images(render_pdf(with_picture).pdf) == 0
    assert len(forked) == 2  # a child of its own for each
    assert_reaped(forked)


def test_after_a_timed_out_render_the_next_render_works(forked):
    with pytest.raises(PdfTimeout):
        render_pdf(heavy_document(), timeout=0.5)
    assert "After" in pdf_text(render_pdf(page("<p>After</p>")).pdf)
    assert_reaped(forked)


def _fail_on_marker(html, *, fetcher, css="", tagged=True):
    if "FAIL-HERE" in html:
        raise ValueError("a document that cannot be rendered")
    return render_in_process(html, fetcher=fetcher, css=css, tagged=tagged)


def test_a_failed_document_is_an_error_and_the_next_one_renders(monkeypatch, forked, caplog):
    monkeypatch.setattr(clinic_pdf, "render_in_process", _fail_on_marker)
    with pytest.raises(PdfError):
        render_pdf(page("<p>FAIL-HERE</p>"))
    assert "a document that cannot be rendered" in caplog.text
    assert "Fine" in pdf_text(render_pdf(page("<p>Fine</p>")).pdf)
    assert_reaped(forked)


# --- 5. A normal document is a real, accessible PDF --------------------------------------


def test_a_normal_document_is_a_tagged_pdf_with_embedded_fonts_and_real_text(forked):
    html = page(
        "<h1>Home exercises</h1>"
        "<p>Do ten slow heel raises every morning.</p>"
        "<p style=\"font-family: 'DejaVu Sans Mono', monospace\">Hold for 5 seconds.</p>"
    )

    result = render_pdf(html, timeout=20)

    assert result.pdf.startswith(b"%PDF-")
    assert result.seconds > 0
    # The child's own peak: at least the forked copy of this process, and in megabytes.
    assert 20 < result.peak_memory_mb < 2000
    assert_reaped(forked)
    reader = PdfReader(io.BytesIO(result.pdf))
    assert "Do ten slow heel raises every morning." in pdf_text(result.pdf)
    objects = pdf_objects(reader)
    fonts = [obj for obj in objects if obj.get("/Type") == "/Font"]
    assert fonts
    for font in fonts:
        if font.get("/Subtype") == "/Type0":
            continue  # its /DescendantFonts are checked as fonts of their own
        descriptor = font["/FontDescriptor"].get_object()
        assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), font
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog
    # .value: bool() of a pypdf BooleanObject(False) is True
    assert catalog["/MarkInfo"]["/Marked"].value is True
    assert_no_attachments(result.pdf)


# --- 6. User text is text, never markup --------------------------------------------------


def test_user_text_is_not_markup(server):
    title = f'<img src="http://127.0.0.1:{server.port}/x"> & <script>'
    template = Template(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title>{{ title }}</title></head><body><h1 style='font-size: 9pt'>{{ title }}</h1>"
        "<p>Plain sentence.</p></body></html>"
    )
    html = template.render(Context({"title": title}))
    fetcher = fetcher_for()

    pdf = render_in_process(html, fetcher=fetcher)
    child_pdf = render_pdf(html, timeout=20).pdf

    for document in (pdf, child_pdf):
        text = pdf_text(document)
        assert f'<img src="http://127.0.0.1:{server.port}/x"> & <script>' in text
        assert image_xobjects(PdfReader(io.BytesIO(document))) == []
    assert fetcher.refused == []  # not even attempted: it never was an element
    assert server.connections == 0


# --- 7. Fast font subsetting ----------------------------------------------------------------


def test_fast_font_subsetting_is_available():
    assert fast_font_subsetting_available(), (
        "HarfBuzz subsetting is missing: WeasyPrint falls back to fontTools, many times "
        "slower. Install libharfbuzz-subset0 (apt-get install libharfbuzz-subset0)."
    )


# --- 8. The collector leaves what a render child inherits alone ----------------------------


def _frozen_objects(html, *, fetcher, css="", tagged=True):
    """Stands in for the render in the child: replies with the collector's frozen count."""
    return str(gc.get_freeze_count()).encode()


def test_the_render_child_freezes_what_it_inherits(monkeypatch, forked):
    monkeypatch.setattr(clinic_pdf, "render_in_process", _frozen_objects)
    before = gc.get_freeze_count()

    frozen = int(render_pdf(page("<p>Frozen</p>")).pdf)

    # The child froze everything it was born with (this process's objects: thousands)...
    assert frozen > before + 1000
    # ... and this process, which goes on, froze nothing.
    assert gc.get_freeze_count() == before
    assert_reaped(forked)
