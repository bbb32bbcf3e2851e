"""The one HTTP server every emulator runs on, and small WSGI helpers they share.

Each emulator is a WSGI application served by werkzeug's threaded server on
127.0.0.1 with an OS-chosen port, from a daemon thread, so that pytest can run
it in-process and `emulators.stack` can run them all from one command.
"""

from __future__ import annotations

import json
import logging
import select
import threading
import time
import urllib.request
from typing import Any, Callable

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

# werkzeug logs every request line at INFO to stderr. The emulators keep their
# own request logs (with secrets redacted), so only warnings and errors (such
# as a traceback from a handler) are worth printing.
logging.getLogger("werkzeug").setLevel(logging.WARNING)

WsgiApp = Callable[[dict, Callable], Any]


class ServerThread:
    """A threaded WSGI server on 127.0.0.1:<port chosen by the OS>."""

    def __init__(self, app: WsgiApp, host: str = "127.0.0.1", request_handler=None) -> None:
        self._server = make_server(host, 0, app, threaded=True, request_handler=request_handler)
        self.host = host
        self.port: int = self._server.server_port
        self.base_url = f"http://{host}:{self.port}"
        # Set when the server stops, so that handlers deliberately holding a
        # connection open (IMDS `drop-put`) let go.
        self.stopping = threading.Event()
        # A short poll interval keeps stop() quick (shutdown waits for a poll).
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
            name=f"emulator:{self.port}", daemon=True,
        )

    def start(self) -> "ServerThread":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


# The emulators reach each other directly, whatever proxy the environment
# names (it may be set up for the program under test, e.g. skopeo's).
_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def open_direct(request: urllib.request.Request | str, timeout: float = 10):
    """urllib's urlopen without proxies."""
    return _direct.open(request, timeout=timeout)


def json_response(obj: Any, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(obj), status=status, headers=headers, mimetype="application/json")


def read_json(request: Request) -> Any:
    """The JSON body of a control request; an empty body reads as {}."""
    data = request.get_data()
    if not data:
        return {}
    return json.loads(data)


def hold_until_client_gives_up(environ: dict, stopping: threading.Event, max_seconds: float) -> float:
    """Keep a request unanswered until the client closes its connection.

    Used to reproduce the IMDS hop-limit symptom, where the token reply never
    reaches the client. Returns how long the client waited, in seconds.
    """
    sock = environ.get("werkzeug.socket")
    started = time.monotonic()
    while not stopping.is_set() and time.monotonic() - started < max_seconds:
        if sock is None:
            stopping.wait(0.05)
            continue
        readable, _, _ = select.select([sock], [], [], 0.05)
        if readable:
            try:
                if sock.recv(4096) == b"":
                    break  # orderly close by the client
                # (anything the client still sends is discarded)
            except OSError:
                break  # reset by the client
    return time.monotonic() - started
