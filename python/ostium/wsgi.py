"""``python3 -m ostium.wsgi module:app``: a WSGI application (PEP 3333) served on a door,
for ostiumd's ``http`` mode.

``--door PATH`` serves the door at PATH (what an ostiumd ``exec`` runs); with neither
``--door`` nor ``--bind``, a door socket handed over by the systemd convention
(``LISTEN_FDS``) is served. ``--bind HOST:PORT`` serves HTTP there: ostiumd is started in
front of the door, found on ``PATH`` or named with ``--ostiumd``.

Each request is one door call on the door's elastic pool: one thread while idle, a new one
only when the last idle one takes a request (up to ``--threads``), idle ones retired after
``--idle-timeout``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import List, Optional

from . import http, transport, wire
from .door import Door
from .request import Answer, Request
from .throttle import Throttle
from .wsgi_app import App, environ_for, run
from .wsgi_input import Input

log = logging.getLogger("ostium.wsgi")
_MALFORMED = Throttle(burst=10)


class WsgiHandler:
    """A door handler that runs each HTTP-over-doors request through a WSGI application."""

    def __init__(self, app: App, *, script_name: str = "", multiprocess: bool = False) -> None:
        self.app = app
        self.script_name = script_name
        self.multiprocess = multiprocess

    def __call__(self, request: Request) -> Answer:
        if request.op != http.HTTP_REQUEST:
            transport.close_all(request.fds)
            return Answer.fault(wire.Fault.UNKNOWN_OPERATION)
        try:
            message = http.decode_request(request.args)
        except wire.DecodeError as err:
            transport.close_all(request.fds)
            if _MALFORMED.passes() is not None:
                log.warning("a malformed request message: %s", err)
            return Answer.fault(wire.Fault.BAD_MESSAGE)
        body = self._body(message, request.fds)
        if body is None:
            return Answer.fault(wire.Fault.BAD_MESSAGE)
        try:
            environ = environ_for(
                message, body, script_name=self.script_name, multiprocess=self.multiprocess
            )
            response = run(self.app, environ, message.method == "HEAD")
        finally:
            body.close()
        try:
            return Answer.ok(http.encode_response(response))
        except ValueError as err:
            if _MALFORMED.passes() is not None:
                log.error("the application's response cannot be sent: %s; answered 500", err)
            return Answer.ok(http.encode_response(http.HttpResponse(500, [], b"")))

    @staticmethod
    def _body(message: http.HttpRequest, fds: List[int]) -> Optional[Input]:
        """The request's body: in the message, or in the one file ostiumd passed."""
        if not message.body_fd:
            transport.close_all(fds)
            return Input(message.body)
        if len(fds) != 1 or os.fstat(fds[0]).st_size < message.body_len:
            transport.close_all(fds)
            if _MALFORMED.passes() is not None:
                log.warning("a BODY_FD request without its file, or a short one")
            return None
        return Input(fd=fds[0], length=message.body_len)


def load_app(spec: str) -> App:
    """The application ``module:attribute`` names (``module`` alone: its ``application``,
    or else ``app``), importing from the working directory."""
    module_name, _, attribute = spec.partition(":")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    module = importlib.import_module(module_name)
    names = [attribute] if attribute else ["application", "app"]
    for name in names:
        app = getattr(module, name, None)
        if app is not None:
            if not callable(app):
                raise TypeError(f"{module_name}:{name} is not callable")
            return app
    raise AttributeError(f"{module_name} has no {' or '.join(names)}")


def find_ostiumd() -> Optional[str]:
    """ostiumd on ``PATH``, or else the one built in the Ostium checkout this package is
    run from (``target/release``, then ``target/debug``)."""
    found = shutil.which("ostiumd")
    if found:
        return found
    checkout = Path(__file__).resolve().parents[2]
    for build in ("release", "debug"):
        candidate = checkout / "target" / build / "ostiumd"
        if os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def _arguments(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python3 -m ostium.wsgi",
        description="Serve a WSGI application on a door, for ostiumd's http mode.",
    )
    parser.add_argument("app", help="the application, as module:attribute")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--door", metavar="PATH", help="serve the door at PATH")
    where.add_argument(
        "--bind", metavar="HOST:PORT", help="serve HTTP there, with ostiumd started in front"
    )
    parser.add_argument("--ostiumd", metavar="PATH", help="the ostiumd to start for --bind")
    parser.add_argument(
        "--max-body",
        default="1G",
        metavar="SIZE",
        help="with --bind, the largest request body ostiumd takes (default 1G; 413 beyond)",
    )
    parser.add_argument(
        "--timeout",
        default="5m",
        metavar="DURATION",
        help="with --bind, how long a request may take the application (default 5m; 504)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=64,
        help="the most threads serving requests at once (default 64)",
    )
    parser.add_argument(
        "--idle-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="how long an idle thread above the first stays (default 10)",
    )
    parser.add_argument(
        "--mode",
        type=lambda text: int(text, 8),
        default=0o600,
        help="the door file's permissions, in octal (default 600)",
    )
    parser.add_argument(
        "--script-name", default="", help="the URL prefix the application is mounted at"
    )
    parser.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning", "error"]
    )
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    """The command line; returns the exit status."""
    args = _arguments(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        app = load_app(args.app)
    except Exception as err:
        print(f"ostium.wsgi: cannot load {args.app}: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    handler = WsgiHandler(app, script_name=args.script_name)
    options = dict(mode=args.mode, max_threads=args.threads, idle_timeout=args.idle_timeout)
    if args.bind:
        return _serve_behind_ostiumd(handler, args, options)
    if args.door:
        door = Door(args.door, handler, **options)
    elif os.environ.get("LISTEN_FDS"):
        door = Door.from_listen_fds(handler, **options)
    else:
        print("ostium.wsgi: give --door PATH or --bind HOST:PORT", file=sys.stderr)
        return 2
    log.info("serving %s on %s", args.app, door.path)
    door.serve_forever()
    return 0


def _serve_behind_ostiumd(handler: WsgiHandler, args: argparse.Namespace, options: dict) -> int:
    ostiumd = args.ostiumd or find_ostiumd()
    if ostiumd is None:
        print(
            "ostium.wsgi: --bind needs ostiumd, found neither on PATH nor in this checkout's "
            "target/: build it with `cargo build --release -p ostiumd`, or name it with "
            "--ostiumd PATH",
            file=sys.stderr,
        )
        return 2
    if not os.access(ostiumd, os.X_OK):
        print(f"ostium.wsgi: {ostiumd} is not an executable ostiumd", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="ostium-wsgi-") as workdir:
        door_path = os.path.join(workdir, "app.door")
        door = Door(door_path, handler, **options)
        config = os.path.join(workdir, "ostiumd.conf")
        with open(config, "w", encoding="utf-8") as out:
            out.write(
                f"forward http {args.bind} to {door_path} {{\n"
                f"    max-body {args.max_body}\n"
                f"    reply-timeout {args.timeout}\n"
                "}\n"
            )
        front = subprocess.Popen([ostiumd, "--config", config])
        log.info("serving %s on http://%s through ostiumd (pid %d)", args.app, args.bind, front.pid)
        stop = threading.Event()
        previous = {
            sig: signal.signal(sig, lambda *_: stop.set())
            for sig in (signal.SIGTERM, signal.SIGINT)
        }
        watcher = threading.Thread(target=lambda: (front.wait(), stop.set()), daemon=True)
        watcher.start()
        try:
            stop.wait()
        finally:
            for sig, old in previous.items():
                signal.signal(sig, old)
            if front.poll() is None:
                front.terminate()
                front.wait()
            door.close()
        return 0 if front.returncode in (0, -signal.SIGTERM) else 1


if __name__ == "__main__":
    sys.exit(main())
