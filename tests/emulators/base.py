"""What every emulator has: a server, a request log, a control API and modes."""

from __future__ import annotations

import threading
from typing import Any

from werkzeug.wrappers import Request, Response

from .httpserver import ServerThread, json_response, read_json
from .reqlog import RequestLog


class ModeSwitch:
    """The current mode of an emulator, switchable at runtime.

    A mode set with a `count` applies to that many answers, then the default
    comes back: this is how "fail the next N requests" is expressed.
    """

    def __init__(self, default: str, allowed: frozenset[str]) -> None:
        self.default = default
        self.allowed = allowed
        self._lock = threading.Lock()
        self._mode = default
        self._count: int | None = None

    def set(self, mode: str, count: int | None = None) -> None:
        if mode not in self.allowed:
            raise ValueError(f"unknown mode {mode!r}; expected one of {sorted(self.allowed)}")
        if count is not None and count < 1:
            raise ValueError("count must be >= 1")
        with self._lock:
            self._mode, self._count = mode, count

    def take(self) -> str:
        """The mode for the answer being made now (consumes one of `count`)."""
        with self._lock:
            mode = self._mode
            if self._count is not None:
                self._count -= 1
                if self._count == 0:
                    self._mode, self._count = self.default, None
            return mode

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {"mode": self._mode, "count": self._count}


class Emulator:
    """Base class: serves `handle()` plus `GET|DELETE /_control/log` and
    `POST /_control/reset` (back to the behaviour it started with).

    Subclasses implement `handle(request)`; `control(request)` answers the
    rest of `/_control...`. Use as a context manager or call start()/stop().
    """

    request_handler = None  # a werkzeug WSGIRequestHandler subclass, if needed

    def __init__(self) -> None:
        self.log = RequestLog()
        self._server: ServerThread | None = None

    # lifecycle -----------------------------------------------------------
    def start(self) -> "Emulator":
        self._server = ServerThread(self.wsgi, request_handler=self.request_handler).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def server(self) -> ServerThread:
        assert self._server is not None, "emulator not started"
        return self._server

    @property
    def base_url(self) -> str:
        return self.server.base_url

    # dispatch ------------------------------------------------------------
    def wsgi(self, environ, start_response):
        request = Request(environ)
        if request.path == "/_control/log":
            response = self._log_endpoint(request)
        elif request.path == "/_control/reset" and request.method == "POST":
            self.reset()
            response = json_response({"reset": True})
        elif request.path == "/_control" or request.path.startswith("/_control/"):
            try:
                response = self.control(request)
            except (ValueError, KeyError, TypeError) as e:
                response = json_response({"error": str(e)}, status=400)
        else:
            response = self.handle(request)
        return response(environ, start_response)

    def _log_endpoint(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.log.clear()
            return json_response({"cleared": True})
        return json_response(self.log.entries())

    def reset(self) -> None:
        """Back to the initial behaviour, with an empty log."""
        self.log.clear()

    def handle(self, request: Request) -> Response:
        raise NotImplementedError

    def control(self, request: Request) -> Response:
        return json_response({"error": "no such control endpoint"}, status=404)


class ConfigurableEmulator(Emulator):
    """An emulator whose behaviour is a mode plus options, both set with
    `POST /_control {"mode": ..., "count": N, "<option>": ...}` and read
    back with `GET /_control`."""

    def __init__(self, default_mode: str, modes: frozenset[str], options: dict[str, Any]) -> None:
        super().__init__()
        self.mode = ModeSwitch(default_mode, modes)
        self._initial_options = dict(options)
        self.options = dict(options)

    def reset(self) -> None:
        super().reset()
        self.mode.set(self.mode.default)
        self.options = dict(self._initial_options)

    def configure(self, settings: dict[str, Any]) -> None:
        unknown = set(settings) - set(self.options) - {"mode", "count"}
        if unknown:
            raise ValueError(f"unknown settings {sorted(unknown)}")
        if "mode" in settings:
            self.mode.set(settings["mode"], settings.get("count"))
        self.options.update({k: v for k, v in settings.items() if k in self.options})

    def state(self) -> dict[str, Any]:
        return {**self.mode.describe(), **self.options}

    def control(self, request: Request) -> Response:
        if request.path != "/_control":
            return super().control(request)
        if request.method == "POST":
            self.configure(read_json(request))
        return json_response(self.state())
