"""Running one request through a WSGI application (PEP 3333): the environ, start_response
with its ``exc_info`` rules and ``write``, the body collected whole (the response message
carries it whole), ``close()`` always called, and any failure answered 500 with the
traceback in the log only."""

from __future__ import annotations

import logging
import re
import sys
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple
from urllib.parse import unquote_to_bytes, urlsplit

from . import http
from .throttle import Throttle
from .wsgi_input import FileWrapper, Input

log = logging.getLogger("ostium.wsgi")
#: Ten tracebacks a second at most: each failure is a client's request, and clients can
#: repeat one that fails.
_FAILED = Throttle(burst=10)

Environ = Dict[str, Any]
App = Callable[[Environ, Callable[..., Any]], Iterable[bytes]]

_STATUS = re.compile(r"([1-9][0-9][0-9]) [^\x00-\x1f\x7f]*\Z")
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
_BAD_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
#: Response fields an application may not set: HTTP framing, which ostiumd does.
_HOP_BY_HOP = http.HOP_BY_HOP - {"content-length"}


class _Response:
    """What the application said through ``start_response`` and ``write``."""

    def __init__(self) -> None:
        self.status: Optional[str] = None
        self.headers: List[Tuple[str, str]] = []
        self.body: List[bytes] = []

    def start_response(
        self, status: str, headers: List[Tuple[str, str]], exc_info: Optional[Any] = None
    ) -> Callable[[bytes], None]:
        # Nothing reaches the client before the application returns, so with exc_info an
        # error may always replace the status and headers given earlier (PEP 3333).
        if exc_info is None and self.status is not None:
            raise AssertionError("start_response called a second time without exc_info")
        _check_status(status)
        _check_headers(headers)
        self.status = status
        self.headers = list(headers)
        return self.write

    def write(self, data: bytes) -> None:
        if self.status is None:
            raise AssertionError("write() before start_response")
        if not isinstance(data, bytes):
            raise TypeError(f"write() takes bytes, not {type(data).__name__}")
        self.body.append(data)


def environ_for(
    request: http.HttpRequest, body: Input, *, script_name: str = "", multiprocess: bool = False
) -> Environ:
    """The WSGI environ of ``request`` (PEP 3333, CGI/1.1)."""
    path, query = _split_target(request.target)
    path_info = unquote_to_bytes(path).decode("latin-1")
    script = script_name.rstrip("/")
    if script and (path_info == script or path_info.startswith(script + "/")):
        path_info = path_info[len(script) :]
    else:
        script = ""
    environ: Environ = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": script,
        "PATH_INFO": path_info,
        "QUERY_STRING": query,
        "SERVER_NAME": request.local.host,
        "SERVER_PORT": str(request.local.port),
        "SERVER_PROTOCOL": "HTTP/{}.{}".format(*request.version),
        "REMOTE_ADDR": request.remote.host,
        "REMOTE_PORT": str(request.remote.port),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "https" if request.tls else "http",
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": multiprocess,
        "wsgi.run_once": False,
        "wsgi.file_wrapper": FileWrapper,
        "wsgi.input_terminated": True,
    }
    if request.body_len or request.method in ("POST", "PUT", "PATCH"):
        environ["CONTENT_LENGTH"] = str(request.body_len)
    for name, value in request.fields:
        text = value.decode("latin-1")
        if name == "content-type":
            environ["CONTENT_TYPE"] = text
            continue
        if "_" in name:
            # x_a and x-a would be one key: a way to smuggle a field past a proxy.
            continue
        key = "HTTP_" + name.upper().replace("-", "_")
        if key in environ:
            joiner = "; " if name == "cookie" else ", "
            environ[key] = environ[key] + joiner + text
        else:
            environ[key] = text
    return environ


def run(app: App, environ: Environ, head_request: bool) -> http.HttpResponse:
    """Calls ``app`` and gathers its response; a failure anywhere is a 500."""
    response = _Response()
    result = None
    try:
        result = app(environ, response.start_response)
        for chunk in result:
            if not isinstance(chunk, bytes):
                raise TypeError(f"the application yielded {type(chunk).__name__}, not bytes")
            if chunk and response.status is None:
                raise AssertionError("the application yielded a body before start_response")
            response.body.append(chunk)
        if response.status is None:
            raise AssertionError("the application returned without calling start_response")
        return _http_response(response, head_request)
    except Exception:
        held = _FAILED.passes()
        if held is not None:
            log.exception(
                "the application failed on %s %s; answered 500 (%d failures held back)",
                environ.get("REQUEST_METHOD"),
                environ.get("PATH_INFO"),
                held,
            )
        return _error_500()
    finally:
        if result is not None and hasattr(result, "close"):
            try:
                result.close()
            except Exception:
                if _FAILED.passes() is not None:
                    log.exception("the application's close() failed")


def _http_response(response: _Response, head_request: bool) -> http.HttpResponse:
    assert response.status is not None
    code = int(response.status[:3])
    if code < 200:
        raise ValueError(f"status {response.status!r}: a door application cannot send 1xx")
    body = b"".join(response.body)
    fields = []
    declared = None
    for name, value in response.headers:
        lower = name.lower()
        if lower == "content-length":
            declared = int(value.strip())
            continue
        if lower in _HOP_BY_HOP:
            if _FAILED.passes() is not None:
                log.warning("dropped the hop-by-hop field %s the application set", name)
            continue
        fields.append((lower, value.encode("latin-1")))
    if declared is not None and not head_request:
        if len(body) < declared:
            raise ValueError(f"Content-Length {declared}, but a body of {len(body)} bytes")
        body = body[:declared]
    if code in (204, 304):
        body = b""
    return http.HttpResponse(code, fields, body)


def _error_500() -> http.HttpResponse:
    body = b"Internal Server Error\n"
    return http.HttpResponse(500, [("content-type", b"text/plain; charset=utf-8")], body)


def _split_target(target: str) -> Tuple[str, str]:
    if target == "*":
        return "*", ""
    if not target.startswith("/"):
        parts = urlsplit(target)
        if not parts.scheme:
            return "", ""  # authority form (CONNECT)
        return parts.path or "/", parts.query
    path, _, query = target.partition("?")
    return path, query


def _check_status(status: str) -> None:
    if not isinstance(status, str) or _STATUS.match(status) is None:
        raise ValueError(f"the status {status!r} is not 'NNN Reason'")


def _check_headers(headers: List[Tuple[str, str]]) -> None:
    if not isinstance(headers, list):
        raise TypeError("the response headers are a list")
    for item in headers:
        if not (
            isinstance(item, tuple)
            and len(item) == 2
            and isinstance(item[0], str)
            and isinstance(item[1], str)
        ):
            raise TypeError(f"a response header is a (str, str) tuple, not {item!r}")
        name, value = item
        if _HEADER_NAME.match(name) is None or _BAD_VALUE.search(value):
            raise ValueError(f"the response header {name!r}: {value!r} is malformed")
        value.encode("latin-1")
