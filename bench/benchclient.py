"""What the HTTP benches share: a small browser-like client, the servers they start, /proc.

The client speaks plain HTTP/1.1 to 127.0.0.1 with the standard library (a new connection
per request, as gunicorn's sync workers close it anyway), keeps cookies, logs in through the
real login form with its CSRF token, posts forms (multipart with files) and times each request
from sending to the last byte. Nothing here imports the application: pages are found by
their URLs and forms by their actions, so the benches keep working while the code moves.
"""

import http.client
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time
import uuid
import zlib
from dataclasses import dataclass, field
from html import unescape
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"')
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
ATTR = re.compile(r'([\w-]+)\s*=\s*"([^"]*)"')
FIELD = re.compile(r"<(input|textarea|select|button)\b([^>]*)>", re.I)


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes
    seconds: float
    path: str

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str | None:
        return self.headers.get("location")

    @property
    def queries(self) -> int | None:
        value = self.headers.get("x-bench-queries")
        return int(value) if value is not None else None

    @property
    def sql_ms(self) -> float | None:
        value = self.headers.get("x-bench-sql-ms")
        return float(value) if value is not None else None

    @property
    def app_ms(self) -> float | None:
        value = self.headers.get("x-bench-app-ms")
        return float(value) if value is not None else None


@dataclass
class Form:
    action: str
    method: str
    fields: list = field(default_factory=list)  # (name, value) of inputs, textareas, selects
    buttons: list = field(default_factory=list)  # {"name", "value", "formaction"} of buttons
    html: str = ""


def parse_forms(html: str, page_path: str) -> list[Form]:
    """The forms of a page, enough to submit them as a browser would (no JavaScript)."""
    forms = []
    for attributes, inner in FORM.findall(html):
        attrs = dict(ATTR.findall(attributes))
        form = Form(
            action=urljoin(page_path, unescape(attrs.get("action", "")) or page_path),
            method=attrs.get("method", "get").lower(),
            html=inner,
        )
        for tag, raw in FIELD.findall(inner):
            a = {k.lower(): unescape(v) for k, v in ATTR.findall(raw)}
            tag = tag.lower()
            if tag == "button" or a.get("type") in ("submit", "button", "reset", "image"):
                action = a.get("formaction")
                form.buttons.append(
                    {
                        "name": a.get("name"),
                        "value": a.get("value", ""),
                        "formaction": urljoin(page_path, action) if action else None,
                    }
                )
            elif "name" in a and a.get("type") not in ("file", "checkbox", "radio"):
                form.fields.append((a["name"], a.get("value", "")))
            elif a.get("type") in ("checkbox", "radio") and "checked" in raw.lower():
                form.fields.append((a["name"], a.get("value", "on")))
        forms.append(form)
    return forms


def find_form(html: str, page_path: str, action_pattern: str) -> tuple[Form, str] | None:
    """The first form whose action (or one of whose buttons' formaction) matches; with the URL."""
    pattern = re.compile(action_pattern)
    for form in parse_forms(html, page_path):
        for button in form.buttons:
            if button["formaction"] and pattern.search(button["formaction"]):
                return form, button["formaction"]
        if pattern.search(form.action):
            return form, form.action
    return None


class Browser:
    """One user's cookies against one server; every request on a fresh connection."""

    def __init__(self, base_url: str, *, timeout: float = 600):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.timeout = timeout
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body=None, headers=None) -> Response:
        all_headers = {
            "Host": f"{self.host}:{self.port}",
            "User-Agent": "proftiket-bench",
            "Accept": "text/html,*/*",
            "Accept-Language": "ru",
            **(headers or {}),
        }
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=all_headers)
            raw = connection.getresponse()
            data = raw.read()
        finally:
            connection.close()
        seconds = time.perf_counter() - started
        for cookie_header in raw.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(cookie_header)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or (morsel.value == "" and morsel["expires"]):
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        headers = {k.lower(): v for k, v in raw.headers.items()}
        return Response(raw.status, headers, data, seconds, path)

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def follow(self, path: str, *, limit: int = 5) -> Response:
        """GET, following redirects on this server; the response's path is the final one."""
        response = self.get(path)
        while response.status in (301, 302, 303, 307, 308) and limit:
            target = urlsplit(urljoin(path, response.location))
            path = target.path + (f"?{target.query}" if target.query else "")
            response = self.get(path)
            limit -= 1
        return response

    def post(self, path: str, fields, files=None, *, referer: str | None = None) -> Response:
        """POST fields [(name, value)] and files [(name, filename, content type, bytes)]."""
        headers = {"Referer": f"http://{self.host}:{self.port}{referer or path}"}
        if files:
            boundary = uuid.uuid4().hex
            body = multipart(fields, files, boundary)
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        else:
            body = urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        return self.request("POST", path, body=body, headers=headers)

    def submit(self, form: Form, action: str, values: dict, files=None) -> Response:
        """Submit a parsed form with some of its fields replaced."""
        fields = [(name, value) for name, value in form.fields if name not in values]
        fields += list(values.items())
        return self.post(action, fields, files)

    def login(self, email: str, password: str, *, protected: str = "/") -> None:
        """Log in through the login form the protected page redirects to."""
        response = self.get(protected)
        if response.status not in (301, 302):
            raise RuntimeError(f"{protected} did not redirect to a login page: {response.status}")
        login_path = urlsplit(urljoin(protected, response.location)).path
        page = self.get(login_path)
        form = next(
            (f for f in parse_forms(page.text, login_path) if 'type="password"' in f.html), None
        )
        if page.status != 200 or form is None:
            raise RuntimeError(f"no login form at {login_path}: {page.status}")
        inputs = [
            {k.lower(): v for k, v in ATTR.findall(raw)} for _, raw in FIELD.findall(form.html)
        ]
        secret = next(a["name"] for a in inputs if a.get("type") == "password")
        user = next(a["name"] for a in inputs if a.get("type") in ("email", "text") and "name" in a)
        response = self.submit(form, form.action, {user: email, secret: password})
        if response.status != 302:
            raise RuntimeError(f"login as {email} refused: {response.status}")


def multipart(fields, files, boundary: str) -> bytes:
    lines = []
    for name, value in fields:
        lines += [
            f"--{boundary}".encode(),
            f'Content-Disposition: form-data; name="{name}"'.encode(),
            b"",
            str(value).encode(),
        ]
    for name, filename, content_type, data in files:
        lines += [
            f"--{boundary}".encode(),
            f'Content-Disposition: form-data; name="{name}"; filename="{filename}"'.encode(),
            f"Content-Type: {content_type}".encode(),
            b"",
            data,
        ]
    lines += [f"--{boundary}--".encode(), b""]
    return b"\r\n".join(lines)


def png_screenshot(size: int = 200 * 1024, *, seed: int = 1) -> bytes:
    """A PNG shaped like a screenshot of a text-heavy page, 1366×768, of about `size` bytes:
    flat panels and lines of glyphs (a 66-glyph "font" of grey pixels), lines added until the
    file reaches `size` (at most ~230 KB: a full page). Decoding it costs what decoding a real
    screenshot does (~1M pixels; ~7 ms on these machines), unlike png_noise of the same weight
    (~70k pixels, ~0.1 ms)."""
    import io
    import random

    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    width, height = 1366, 768
    image = Image.new("RGB", (width, height), (246, 247, 249))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, width, 48], fill=(28, 58, 108))  # a title bar
    draw.rectangle([0, 48, 220, height], fill=(232, 236, 242))  # a sidebar
    glyphs = []
    for _ in range(66):
        glyph = Image.new("L", (7, 11), 0)
        glyph.putdata([rng.choice((0, 0, 0, 60, 140, 255)) for _ in range(77)])
        glyphs.append(glyph)
    ink = Image.new("RGB", (7, 11), (33, 37, 41))

    def encoded() -> bytes:
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        return buffer.getvalue()

    lines = [(236, y, width - 24) for y in range(60, height - 14, 17)]
    lines += [(12, y, 210) for y in range(60, height - 14, 26)]
    rng.shuffle(lines)
    for number, (x, y, right) in enumerate(lines, 1):
        while x < right - 8:
            for _ in range(rng.randint(2, 10)):  # a word
                if x >= right - 8:
                    break
                image.paste(ink, (x, y), rng.choice(glyphs))
                x += 8
            x += 5
        if number % 4 == 0 and len(encoded()) >= size:
            break
    data = encoded()
    if len(data) < size:
        raise ValueError(f"a full page is {len(data)} bytes, less than the {size} asked for")
    return data


def png_noise(size: int = 200 * 1024, *, seed: int = 1) -> bytes:
    """A valid PNG of about `size` bytes of noise (which does not compress): the weight of a
    screenshot with few pixels (~260×260), cheap to decode. The filing bench's file until
    3 December 2026 (`http_bench.py --png noise`)."""
    import random

    rng = random.Random(seed)
    width = int((size / 3) ** 0.5) + 1
    rows = b"".join(b"\x00" + rng.randbytes(width * 3) for _ in range(width))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, width, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 1))
        + chunk(b"IEND", b"")
    )


# --- Servers -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_process(command: list[str], *, env: dict, log: Path) -> subprocess.Popen:
    """Start a server in its own process group, its output in `log`."""
    handle = log.open("ab")
    return subprocess.Popen(  # noqa: S603 (our own command line)
        command,
        cwd=ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def start_gunicorn(
    *, port: int, workers: int, env: dict, log: Path, worker_class: str = "sync", threads: int = 1
) -> subprocess.Popen:
    command = [
        str(VENV_BIN / "gunicorn"),
        "proftiket.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        "--threads",
        str(threads),
        "--no-control-socket",
        "--timeout",
        "600",
        "--graceful-timeout",
        "10",
        "--log-level",
        "warning",
    ]
    return start_process(command, env=env, log=log)


def wait_until_serving(base_url: str, path: str, *, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if Browser(base_url, timeout=10).get(path).status < 500:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{base_url} did not answer {path} within {seconds:.0f} s")
        time.sleep(0.3)


def stop_process(process: subprocess.Popen, *, seconds: float = 20) -> None:
    """SIGTERM to the process we started (its own children follow), SIGKILL if it hangs."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # only the group we created for it
        process.wait(5)


def server_env(*, database_url: str, secret_key: str, **extra) -> dict:
    """The environment of a server process: bench settings, production otherwise."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "BENCH_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=database_url,
        SECRET_KEY=secret_key,
        PYTHONPATH=str(ROOT),
        **{k: str(v) for k, v in extra.items()},
    )
    return env


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --- /proc ----------------------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def proc_stat(pid: int) -> tuple[int, str, float, float] | None:
    """(parent pid, command name, own CPU seconds, reaped children's CPU seconds) of a pid."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = raw[raw.index("(") + 1 : raw.rindex(")")]
    fields = raw[raw.rindex(")") + 2 :].split()
    own = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    children = (int(fields[13]) + int(fields[14])) / CLOCK_TICKS
    return int(fields[1]), name, own, children


def proc_cmdline(pid: int) -> str:
    try:
        return (
            Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except OSError:
        return ""


def all_pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def descendants(root: int) -> set[int]:
    """root and every process below it."""
    parents = {}
    for pid in all_pids():
        stat = proc_stat(pid)
        if stat:
            parents[pid] = stat[0]
    found, frontier = {root}, [root]
    while frontier:
        current = frontier.pop()
        for pid, parent in parents.items():
            if parent == current and pid not in found:
                found.add(pid)
                frontier.append(pid)
    return found


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    total = sum(values[:8])
    return (total - idle) / CLOCK_TICKS, total / CLOCK_TICKS


def load_average() -> float:
    return os.getloadavg()[0]
