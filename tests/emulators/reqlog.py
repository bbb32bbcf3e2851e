"""Request logs that tests read back through `GET /_control/log`.

Secrets never enter a log: credential-bearing headers are replaced by a marker
that keeps only the scheme (e.g. `Bearer`) and the length, which is enough for
a test to assert that a client sent one without the log holding it.
"""

from __future__ import annotations

import re
import threading
import time
from typing import Any, Iterable

# Header names (lowercase) whose values are credentials.
SECRET_HEADERS = frozenset(
    {
        "authorization",
        "x-amz-security-token",
        "x-aws-ec2-metadata-token",
        "proxy-authorization",
        "cookie",
    }
)


_SCHEME = re.compile(r"^[A-Za-z0-9-]+$")


def redact(value: str) -> str:
    """`Bearer eyJ...` -> `Bearer <redacted len=N>` (also `Basic`,
    `AWS4-HMAC-SHA256`); a bare value -> `<redacted len=N>`."""
    scheme, sep, rest = value.partition(" ")
    if sep and _SCHEME.match(scheme) and rest:
        return f"{scheme} <redacted len={len(rest)}>"
    return f"<redacted len={len(value)}>"


def redact_headers(headers: Iterable[tuple[str, str]]) -> list[list[str]]:
    """Headers as [name, value] pairs, in order, with credentials redacted."""
    return [
        [name, redact(value) if name.lower() in SECRET_HEADERS else value]
        for name, value in headers
    ]


def logged_header(entry: dict[str, Any], name: str) -> str | None:
    """A header of a log entry, by case-insensitive name (werkzeug reports
    names in Title-Case, whatever case the client used)."""
    return next((v for k, v in entry["headers"] if k.lower() == name.lower()), None)


class RequestLog:
    """A thread-safe, append-only list of JSON-able entries."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[dict[str, Any]] = []

    def record(self, request, **fields: Any) -> dict[str, Any]:
        """Log a werkzeug request plus emulator-specific fields; returns the entry
        so the handler can add its outcome (status, error) once known."""
        entry = {
            "time": time.time(),
            "method": request.method,
            "path": request.path,
            "query": request.query_string.decode("latin-1"),
            "headers": redact_headers(request.headers.items()),
            **fields,
        }
        with self._lock:
            self._entries.append(entry)
        return entry

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(e) for e in self._entries]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
