"""ostium.wsgi behind a real ostiumd, every application under wsgiref's validator: the
environ, chunked and large uploads, 100-continue, HEAD, write(), file_wrapper, close(),
and failures answered 500 with the traceback in the log only."""

from __future__ import annotations

import hashlib
import http.client
import json
import logging
import subprocess
import sys
from typing import Callable, Iterator, List, Tuple
from wsgiref.validate import validator

import pytest

from ostium import Door
from ostium.wsgi import WsgiHandler

Response = Tuple[int, dict, bytes]


@pytest.fixture
def serve(door_path: str, front) -> Iterator[Callable]:
    """Serves a WSGI application (under the validator) behind ostiumd; returns a function
    making one request of it."""
    doors: List[Door] = []

    def start(app, validate: bool = True) -> Callable[..., Response]:
        door = Door(door_path, WsgiHandler(validator(app) if validate else app))
        doors.append(door)
        port = front(door_path).port

        def request(
            method: str, target: str, body=None, headers=None, chunked: bool = False
        ) -> Response:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request(
                method, target, body=body, headers=headers or {}, encode_chunked=chunked
            )
            answer = connection.getresponse()
            data = answer.read()
            connection.close()
            return answer.status, {k.lower(): v for k, v in answer.getheaders()}, data

        request.port = port  # type: ignore[attr-defined]
        return request

    yield start
    for door in doors:
        door.close()


KEYS = [
    "REQUEST_METHOD",
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
    "CONTENT_TYPE",
    "CONTENT_LENGTH",
    "SERVER_NAME",
    "SERVER_PORT",
    "SERVER_PROTOCOL",
    "REMOTE_ADDR",
    "REMOTE_PORT",
    "HTTP_HOST",
    "HTTP_X_A",
    "HTTP_COOKIE",
    "wsgi.url_scheme",
    "wsgi.multithread",
    "wsgi.multiprocess",
    "wsgi.run_once",
    "wsgi.input_terminated",
    "wsgi.version",
]


def _length(environ) -> int:
    # The validator insists on read(size), as PEP 3333 first did.
    return int(environ.get("CONTENT_LENGTH") or 0)


def environ_app(environ, start_response):
    body = environ["wsgi.input"].read(_length(environ))
    seen = {key: environ.get(key) for key in KEYS}
    errors = environ["wsgi.errors"]
    seen["errors"] = all(hasattr(errors, name) for name in ("write", "writelines", "flush"))
    seen["body"] = body.decode("latin-1")
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(seen).encode()]


def test_the_environ_is_what_pep_3333_and_cgi_say(serve) -> None:
    request = serve(environ_app)
    status, _, data = request(
        "POST",
        "/a%20b/%C3%A9?x=%20y&z",
        body=b"hello",
        headers={"Content-Type": "text/plain", "X-A": "1", "Cookie": "a=1"},
    )
    assert status == 200
    seen = json.loads(data)
    assert seen["REQUEST_METHOD"] == "POST" and seen["SCRIPT_NAME"] == ""
    assert seen["PATH_INFO"] == "/a b/\u00c3\u00a9", "percent-decoded, as latin-1"
    assert seen["QUERY_STRING"] == "x=%20y&z"
    assert (seen["CONTENT_TYPE"], seen["CONTENT_LENGTH"]) == ("text/plain", "5")
    assert seen["SERVER_NAME"] == "127.0.0.1" and seen["SERVER_PORT"] == str(request.port)
    assert seen["SERVER_PROTOCOL"] == "HTTP/1.1" and seen["REMOTE_ADDR"] == "127.0.0.1"
    assert int(seen["REMOTE_PORT"]) > 0 and seen["HTTP_HOST"] == f"127.0.0.1:{request.port}"
    assert seen["HTTP_X_A"] == "1" and seen["HTTP_COOKIE"] == "a=1"
    assert seen["wsgi.url_scheme"] == "http" and seen["wsgi.version"] == [1, 0]
    assert seen["wsgi.multithread"] is True and seen["wsgi.multiprocess"] is False
    assert seen["wsgi.run_once"] is False and seen["wsgi.input_terminated"] is True
    assert seen["body"] == "hello" and seen["errors"] is True


def test_repeated_fields_are_joined_in_order(serve) -> None:
    connection_port = serve(environ_app).port
    raw = (
        b"GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\nX-A: 2\r\nCookie: a=1\r\n"
        b"Cookie: b=2\r\nConnection: close\r\n\r\n"
    )
    import socket

    with socket.create_connection(("127.0.0.1", connection_port), timeout=10) as sock:
        sock.sendall(raw)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    seen = json.loads(answer.split(b"\r\n\r\n", 1)[1])
    assert seen["HTTP_X_A"] == "1, 2" and seen["HTTP_COOKIE"] == "a=1; b=2"


def echo_app(environ, start_response):
    stream = environ["wsgi.input"]
    lines = (
        list(stream) if environ.get("QUERY_STRING") == "lines" else [stream.read(_length(environ))]
    )
    body = b"".join(lines)
    digest = hashlib.sha256(body).hexdigest().encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(digest)))])
    return [digest]


@pytest.mark.parametrize("size", [0, 10, 20_000, 2_000_000])
def test_uploads_plain_chunked_and_large_arrive_whole(serve, size: int) -> None:
    request = serve(echo_app)
    body = bytes(range(256)) * (size // 256) + b"\n" * (size % 256)
    expected = hashlib.sha256(body).hexdigest().encode()
    assert request("POST", "/", body=body)[2] == expected
    assert request("POST", "/?lines", body=body)[2] == expected
    if size:
        assert (
            request("POST", "/", body=iter([body[: size // 2], body[size // 2 :]]), chunked=True)[2]
            == expected
        )


def test_expect_100_continue_is_answered_before_the_body(serve) -> None:
    request = serve(echo_app)
    port = request.port
    result = subprocess.run(
        [
            "curl",
            "-s",
            "-H",
            "Expect: 100-continue",
            "--data-binary",
            "x" * 5000,
            f"http://127.0.0.1:{port}/",
        ],
        capture_output=True,
        timeout=30,
    )
    assert result.stdout == hashlib.sha256(b"x" * 5000).hexdigest().encode()


def test_head_has_the_length_of_get_and_no_body(serve) -> None:
    def page(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"a page of text"]

    request = serve(page)
    status, headers, data = request("HEAD", "/")
    assert (status, data) == (200, b"")
    assert headers["content-length"] == str(len(b"a page of text"))


def test_write_file_wrapper_and_close_are_honoured(serve, tmp_path) -> None:
    closed: List[str] = []
    path = tmp_path / "file.txt"
    path.write_bytes(b"from a file " * 1000)

    class Body:
        def __init__(self, parts):
            self.parts = parts

        def __iter__(self):
            return iter(self.parts)

        def close(self):
            closed.append("closed")

    def app(environ, start_response):
        if environ["PATH_INFO"] == "/write":
            write = start_response("200 OK", [("Content-Type", "text/plain")])
            write(b"written, ")
            return Body([b"then iterated"])
        if environ["PATH_INFO"] == "/file":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return environ["wsgi.file_wrapper"](open(path, "rb"), 4096)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return Body([b"a", b"b"])

    request = serve(app)
    assert request("GET", "/write")[2] == b"written, then iterated"
    assert request("GET", "/file")[2] == path.read_bytes()
    assert request("GET", "/")[2] == b"ab"
    assert closed == ["closed", "closed"]


def test_failures_are_500s_with_the_traceback_in_the_log_only(serve, caplog) -> None:
    closed: List[bool] = []

    def app(environ, start_response):
        where = environ["PATH_INFO"]
        if where == "/before":
            raise RuntimeError("secret detail before")
        if where == "/exc_info":
            start_response("200 OK", [("Content-Type", "text/plain")])
            try:
                raise ValueError("secret detail handled")
            except ValueError:
                start_response(
                    "503 Service Unavailable", [("Content-Type", "text/plain")], sys.exc_info()
                )
                return [b"sorry"]

        def body():
            try:
                yield b"partial"
                raise RuntimeError("secret detail during")
            finally:
                closed.append(True)

        start_response("200 OK", [("Content-Type", "text/plain")])
        return body()

    request = serve(app, validate=False)
    with caplog.at_level(logging.ERROR, logger="ostium.wsgi"):
        for target in ("/before", "/during"):
            status, _, data = request("GET", target)
            assert status == 500 and b"secret" not in data
    assert "secret detail before" in caplog.text and "secret detail during" in caplog.text
    assert closed == [True]
    assert request("GET", "/exc_info")[:3:2] == (503, b"sorry")
