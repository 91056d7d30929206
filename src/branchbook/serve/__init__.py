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

from .server import Hub, PreviewServer
from .session import Preview, player_page
from .watch import watch_course


class PortBusy(Exception):
    def __init__(self, port: int, free: int | None):
        hint = f"; try `branchbook serve --port {free}`" if free else ""
        super().__init__(f"port {port} on 127.0.0.1 is already in use (another `branchbook serve`?){hint}")


def free_port(after: int) -> int | None:
    for port in range(after + 1, min(after + 100, 65536)):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    return None


def open_server(port: int, site: Path, hub: Hub, home: str | None) -> PreviewServer:
    try:
        return PreviewServer(("127.0.0.1", port), site, hub, home)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise PortBusy(port, free_port(port)) from None
        raise


def serve(root: Path, *, port: int, scenario: str | None, open_browser: bool, say: Callable[[str], None],
          report: Callable) -> None:
    """Serve the course at ``root`` until interrupted (Ctrl-C or SIGTERM); stop everything cleanly."""
    hub = Hub()
    home = player_page(scenario) if scenario else None
    server = open_server(port, root / "book" / "_build" / "html", hub, home)
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
        say(f"Serving {root.name} at {url}  (Ctrl-C stops)")
        if scenario:
            say(f"Previewing {scenario} alone: its saves update its page without rebuilding the rest of the site.")
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
            say(f"saved: {', '.join(sorted(str(p.relative_to(root)) for p in changed))}")
            preview.refresh(changed)
    except KeyboardInterrupt:
        say("Stopping…")
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
        say("Stopped.")


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt
