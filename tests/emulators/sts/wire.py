"""WSGI layers between the network and moto that make STS answer like STS.

- `RawRequestCapture` keeps the request target and body bytes exactly as they
  arrived, so that the signature check (see `moto_fixes`) can hash what the
  client signed rather than moto's re-encoded view of it.
- `ResponseShaper` rewrites moto's STS answers where they differ from the
  real service: error bodies get STS's `<ErrorResponse><Error>` shape, a
  request with `Accept: application/json` gets the JSON form of the answer,
  and timestamps lose the fractional seconds STS never writes.
"""

from __future__ import annotations

import io
import json
import re
import threading
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from urllib.parse import parse_qsl

import botocore.session
from werkzeug.wsgi import get_input_stream

STS_XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/"


@dataclass(frozen=True)
class RawRequest:
    target: str  # request target as sent: "/?Action=GetCallerIdentity&Version=2011-06-15"
    body: bytes


_current = threading.local()


def current_raw_request() -> RawRequest | None:
    """The request being handled on this thread, if it came through
    `RawRequestCapture` (werkzeug serves each request on its own thread)."""
    return getattr(_current, "raw", None)


class RawRequestCapture:
    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        body = get_input_stream(environ, safe_fallback=False).read()
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("wsgi.input_terminated", None)
        _current.raw = RawRequest(target=environ.get("RAW_URI") or environ.get("REQUEST_URI", "/"), body=body)
        try:
            # moto's Flask app runs the whole action before returning its body.
            return self.app(environ, start_response)
        finally:
            _current.raw = None


@lru_cache(maxsize=1)
def _sts_model():
    return botocore.session.get_session().get_service_model("sts")


def sts_operations() -> frozenset[str]:
    return frozenset(_sts_model().operation_names)


@lru_cache(maxsize=1)
def _timestamp_members() -> frozenset[str]:
    """Names of STS output members that are timestamps (`Expiration`): real
    STS writes these as epoch seconds in JSON answers."""
    names = set()
    model = _sts_model()
    for op in model.operation_names:
        stack = [model.operation_model(op).output_shape]
        while stack:
            shape = stack.pop()
            if shape is None:
                continue
            for name, member in getattr(shape, "members", {}).items():
                if member.type_name == "timestamp":
                    names.add(name)
                stack.append(member)
            if hasattr(shape, "member"):
                stack.append(shape.member)
    return frozenset(names)


@lru_cache(maxsize=1)
def _fractional_timestamp() -> re.Pattern[bytes]:
    names = b"|".join(re.escape(n.encode()) for n in sorted(_timestamp_members()))
    return re.compile(rb"(<(" + names + rb")>[^<.]+)\.\d+(Z</\2>)")


def whole_second_timestamps(xml: bytes) -> bytes:
    """`<Expiration>...:02.471393Z</Expiration>` -> `<Expiration>...:02Z</Expiration>`."""
    return _fractional_timestamp().sub(rb"\1\3", xml)


def action_of(environ: dict, body: bytes) -> str | None:
    """The query-protocol Action of a request, from its query or form body."""
    for source in (environ.get("QUERY_STRING", ""), body.decode("latin-1")):
        for key, value in parse_qsl(source, keep_blank_values=True):
            if key == "Action":
                return value
    return None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xml_to_json(elem: ET.Element):
    children = list(elem)
    name = _local(elem.tag)
    if not children:
        text = elem.text or ""
        if name in _timestamp_members() and text:
            return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())
        return text
    if all(_local(c.tag) == "member" for c in children):
        return [_xml_to_json(c) for c in children]
    return {_local(c.tag): _xml_to_json(c) for c in children}


def _error_fields(root: ET.Element) -> dict[str, str] | None:
    """Type/Code/Message of an error answer, whichever wrapper moto used
    (`<ErrorResponse><Errors><Error>` from its auth layer, or `<Error>`)."""
    if _local(root.tag) != "ErrorResponse":
        return None
    error = next((e for e in root.iter() if _local(e.tag) == "Error"), None)
    if error is None:
        return None
    fields = {_local(c.tag): (c.text or "") for c in error}
    return {
        "Type": fields.get("Type", "Sender"),
        "Code": fields.get("Code", ""),
        "Message": fields.get("Message", ""),
    }


def _sts_error_xml(error: dict[str, str], request_id: str) -> bytes:
    root = ET.Element("ErrorResponse", xmlns=STS_XMLNS)
    err = ET.SubElement(root, "Error")
    for key in ("Type", "Code", "Message"):
        ET.SubElement(err, key).text = error[key]
    ET.SubElement(root, "RequestId").text = request_id
    return ET.tostring(root, encoding="utf-8", xml_declaration=False)


class ResponseShaper:
    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        raw = current_raw_request()
        action = action_of(environ, raw.body if raw else b"")
        if action not in sts_operations():
            return self.app(environ, start_response)

        captured: dict = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        chunks = self.app(environ, capture)
        try:
            body = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        status, headers = captured["status"], captured["headers"]
        body, content_type = self._shape(environ, headers, body)
        headers = [(k, v) for k, v in headers if k.lower() not in ("content-type", "content-length")]
        headers += [("Content-Type", content_type), ("Content-Length", str(len(body)))]
        start_response(status, headers)
        return [body]

    @staticmethod
    def _shape(environ, headers, body: bytes) -> tuple[bytes, str]:
        wants_json = "application/json" in environ.get("HTTP_ACCEPT", "")
        header = {k.lower(): v for k, v in headers}
        try:
            root = ET.fromstring(body)
        except ET.ParseError:
            return body, header.get("content-type", "text/plain")
        error = _error_fields(root)
        if error is not None:
            request_id = header.get("x-amzn-requestid") or next(
                (e.text for e in root.iter() if _local(e.tag) == "RequestId" and e.text), None
            ) or str(uuid.uuid4())
            if wants_json:
                return json.dumps({"Error": error, "RequestId": request_id}).encode(), "application/json"
            return _sts_error_xml(error, request_id), "text/xml"
        if wants_json:
            return json.dumps({_local(root.tag): _xml_to_json(root)}).encode(), "application/json"
        return whole_second_timestamps(body), "text/xml"
