"""``branchbook serve``: a live preview of the course that follows every save.

Builds once, serves the site on 127.0.0.1, watches the author's files, and on each save checks,
hands a changed scenario's new player to the tabs showing it, regenerates what changed and brings
the tabs whose page the site rebuild changed up to date, in place where it can (``session``); the
server adds the reload hook and the fresh player data as it sends pages, and streams the events
(``server``); ``watch`` says which saves count.
"""

from __future__ import annotations

import errno
import queue
import signal
import socket
import threading
import time
import webbrowser
from pathlib import Path
from typing import Callable

from ..messages import message
from .server import Hub, PreviewServer
from .session import Preview, player_page
from .watch import watch_course


class PortBusy(Exception):
    def __init__(self, port: int, free: int | None, lang: str):
        super().__init__(message("cli.serve.port_busy_try" if free else "cli.serve.port_busy", lang,
                                 port=port, free=free))


def free_port(after: int) -> int | None:
    for port in range(after + 1, min(after + 100, 65536)):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    return None


def open_server(port: int, site: Path, hub: Hub, home: str | None, lang: str) -> PreviewServer:
    try:
        return PreviewServer(("127.0.0.1", port), site, hub, home)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise PortBusy(port, free_port(port), lang) from None
        raise


def serve(root: Path, *, port: int, scenario: str | None, open_browser: bool, say: Callable[[str], None],
          report: Callable, lang: str = "en") -> None:
    """Serve the course at ``root`` until interrupted (Ctrl-C or SIGTERM); stop everything cleanly. What it
    says of itself (start, saves, stop) is worded in ``lang``, the course's language."""
    hub = Hub()
    home = player_page(scenario) if scenario else None
    server = open_server(port, root / "book" / "_build" / "html", hub, home, lang)
    preview = Preview(root, server, hub, say, report, scenario)
    stop = threading.Event()
    saves: queue.Queue[set[Path]] = queue.Queue()
    threads = [threading.Thread(target=server.serve_forever, name="branchbook-http", daemon=True),
               threading.Thread(target=watch_course, args=(root, saves.put, stop), name="branchbook-watch",
                                daemon=True)]
    # Ctrl-C and SIGTERM stop serve even when it was started with them ignored or blocked (a parent
    # that ignores SIGINT passes that on, and Python then never raises KeyboardInterrupt)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    previous = {number: signal.signal(number, handler)
                for number, handler in ((signal.SIGINT, signal.default_int_handler), (signal.SIGTERM, _interrupt))}
    try:
        for thread in threads:
            thread.start()
        preview.builder.start()
        url = server.url + (home or "")
        say(message("cli.serve.serving", lang, name=root.name, url=url))
        if scenario:
            say(message("cli.serve.previewing", lang, scenario=scenario))
        preview.refresh(set())
        if open_browser:
            webbrowser.open(url)
        while True:
            try:
                changed = saves.get(timeout=0.5)
            except queue.Empty:
                continue
            while not saves.empty():
                changed |= saves.get_nowait()
            changed = preview.authors_saves(changed)
            if not changed:
                continue
            say(message("cli.serve.saved", lang, files=", ".join(sorted(str(p.relative_to(root)) for p in changed))))
            preview.refresh(changed)
    except KeyboardInterrupt:
        say(message("cli.serve.stopping", lang))
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        stop.set()
        preview.builder.stop()
        hub.close()
        server.shutdown()
        server.server_close()
        for thread in threads:
            thread.join(timeout=5)
        say(message("cli.serve.stopped", lang))


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt
