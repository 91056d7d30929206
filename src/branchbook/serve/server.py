"""The preview server: the built site as it is, plus what only ``serve`` adds at response time.

- Every HTML page gets one ``<script src>`` of serve's own (``reload.js``: live reload and the
  problems banner), added as the page is sent; the files on disk never contain it. Its
  ``data-bb-page`` is a digest of the page as sent, so the script can tell whether the page it
  fetches later is still the version its tab loaded. The site's
  Content-Security-Policy allows it (a script from the site's own origin, and a connection to it).
- A scenario page whose data changed after the last Sphinx build is sent with its player rendered
  afresh from the new data (by the Sphinx extension's own template and escaping, so the page is
  what the next build will write), so a scenario edit shows without waiting for Sphinx.
- ``/__branchbook__/events?page=P`` streams Server-Sent Events (see ``reload.js``) to the open tab
  showing page P: the events for every tab, and the new player of P itself.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import re
import secrets
import threading
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

PREFIX = "/__branchbook__/"
SCRIPT = Path(__file__).with_name("reload.js")
SCRIPT_SRC = f"{PREFIX}reload.js"
PLAYER_START = '<div class="bb-player"'
_DIV = re.compile(r"<div\b|</div>")
WAITING = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>branchbook serve</title></head>
<body><main><h1>branchbook serve</h1><p>The course is not built yet. If it has problems, they are listed
above and in the terminal: fix them and save. This page reloads by itself when the site is ready.</p></main></body></html>
"""


class Hub:
    """Fans events out to every open tab. Keeps the current problems, so a tab that connects
    (or reconnects) learns them at once. An event may be meant for the tabs of one page only
    (``update``): the others are not sent it."""

    def __init__(self) -> None:
        self.token = secrets.token_hex(8)
        self._changed = threading.Condition()
        self.recent: list[tuple[int, str, str, str | None]] = []  # (sequence, name, data, page or None: all)
        self._sequence = 0
        self.problems: list[str] = []
        self.closed = False

    def send(self, name: str, data: dict, page: str | None = None) -> None:
        with self._changed:
            self._sequence += 1
            self.recent = [*self.recent[-99:], (self._sequence, name, json.dumps(data), page)]
            if name == "problems":
                self.problems = data["messages"]
            self._changed.notify_all()

    def reload(self, pages: list[str]) -> None:
        self.send("reload", {"pages": sorted(pages)})

    def update(self, page: str, player: str) -> None:
        """Hand the tabs showing ``page`` its player's new HTML: they show it in place, without a reload."""
        self.send("update", {"page": page, "player": player}, page)

    def set_problems(self, messages: list[str]) -> None:
        if messages != self.problems:
            self.send("problems", {"messages": messages})

    def close(self) -> None:
        with self._changed:
            self.closed = True
            self._changed.notify_all()

    def stream(self, write, page: str | None = None) -> None:
        """Write events to one tab (showing ``page``) until the hub closes or the tab goes away (write raises)."""
        with self._changed:
            seen = self._sequence
            problems = list(self.problems)
        write(_event("hello", json.dumps({"server": self.token})))
        write(_event("problems", json.dumps({"messages": problems})))
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self.closed or self._sequence > seen, timeout=15)
                if self.closed:
                    return
                fresh = [e for e in self.recent if e[0] > seen and e[3] in (None, page)]
                seen = self._sequence
            write("".join(_event(name, data) for _, name, data, _ in fresh) if fresh else ": keep-alive\n\n")


def _event(name: str, data: str) -> str:
    return f"event: {name}\ndata: {data}\n\n"


def player_region(html: str) -> tuple[int, int] | None:
    """Where the page's player is: ``<div class="bb-player"`` to its matching ``</div>`` and the
    line break after it, exactly what the player template renders."""
    start = html.find(PLAYER_START)
    depth = 0
    for tag in _DIV.finditer(html, max(start, 0)) if start >= 0 else ():
        depth += 1 if tag.group() == "<div" else -1
        if depth == 0:
            return start, tag.end() + html.startswith("\n", tag.end())
    return None


def tag(html: str) -> str:
    """The reload script's tag for ``html``."""
    version = hashlib.sha256(html.encode("utf-8")).hexdigest()[:16]
    return f'<script defer src="{SCRIPT_SRC}" data-bb-page="{version}"></script>'


def inject(html: str) -> str:
    """The page with the reload script added before ``</body>``."""
    at, script = html.rfind("</body>"), tag(html)
    return html[:at] + script + "\n" + html[at:] if at >= 0 else html + script


class PreviewServer(http.server.ThreadingHTTPServer):
    """Serves ``site`` (the build's live link, followed at every request, so a new build shows at
    once). ``overrides`` maps a page path (``scenarios/x.html``) to its player's fresh HTML."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], site: Path, hub: Hub, home: str | None = None):
        super().__init__(address, Handler)
        self.site, self.hub, self.home = site, hub, home
        self.overrides: dict[str, str] = {}
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/"

    def page(self, rel: str) -> str | None:
        """The HTML serve sends for ``rel`` (with the overrides, before the script is added)."""
        path = self.site / rel
        if not path.is_file():
            return None
        html = path.read_text(encoding="utf-8")
        with self.lock:
            player = self.overrides.get(rel)
        region = player_region(html) if player is not None else None
        return html[:region[0]] + player + html[region[1]:] if region else html


class Handler(http.server.SimpleHTTPRequestHandler):
    server: PreviewServer

    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=str(args[2].site), **kwargs)

    def log_message(self, format, *args):  # noqa: A002 - http.server's signature; requests are not news
        pass

    def end_headers(self) -> None:
        # Pages are never kept (a reload must show the new one); the theme's stylesheets, scripts and
        # fonts are kept but checked (an unchanged file costs a "304 Not Modified", not a download),
        # which makes a reload several times quicker.
        path = urlsplit(self.path).path
        page = path.endswith((".html", "/")) or path.startswith(PREFIX)
        self.send_header("Cache-Control", "no-store" if page else "no-cache")
        super().end_headers()

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        path = unquote(url.path)
        if path == PREFIX + "events":
            return self._events(parse_qs(url.query).get("page", [None])[0])
        if path == PREFIX + "reload.js":
            return self._send(SCRIPT.read_bytes(), "text/javascript; charset=utf-8")
        if path == "/" and self.server.home:
            self.send_response(302)
            self.send_header("Location", "/" + self.server.home)
            return self.end_headers()
        rel = path.lstrip("/")
        if rel == "" or rel.endswith("/"):
            rel += "index.html"
        if rel.endswith(".html") and ".." not in Path(rel).parts:
            html = self.server.page(rel)
            if html is None and not (self.server.site / "index.html").is_file():
                html = WAITING  # nothing built yet: a page that can show the banner and reload
            if html is not None:
                return self._send(inject(html).encode("utf-8"), "text/html; charset=utf-8")
        return super().do_GET()

    def _send(self, body: bytes, kind: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _events(self, page: str | None) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()

        def write(text: str) -> None:
            self.wfile.write(text.encode("utf-8"))
            self.wfile.flush()

        try:
            self.server.hub.stream(write, page)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True
