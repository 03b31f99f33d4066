"""``python3 -m ostium.wsgi``: an application that fails to import, ``--bind`` with ostiumd
started in front, and ``--bind`` without an ostiumd."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from conftest import ROOT, ostiumd_binary

APP = """
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"served by " + environ["SERVER_PROTOCOL"].encode()]
"""


def _run(workdir: Path, *args: str, **kwargs) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "python"), **kwargs.pop("env", {}))
    return subprocess.Popen(
        [sys.executable, "-m", "ostium.wsgi", *args],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_an_application_that_fails_to_import_exits_non_zero(workdir: Path) -> None:
    (workdir / "broken.py").write_text("import no_such_module_anywhere\n")
    child = _run(workdir, "broken:app", "--door", str(workdir / "x.door"))
    _, err = child.communicate(timeout=30)
    assert child.returncode == 1
    assert "ModuleNotFoundError" in err and "no_such_module_anywhere" in err


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_bind_starts_ostiumd_in_front_and_stops_it(workdir: Path) -> None:
    (workdir / "hello.py").write_text(APP)
    port = _free_port()
    child = _run(workdir, "hello:app", "--bind", f"127.0.0.1:{port}", "--ostiumd", ostiumd_binary())
    try:
        deadline = time.monotonic() + 30
        body = b""
        while time.monotonic() < deadline:
            result = subprocess.run(
                ["curl", "-s", f"http://127.0.0.1:{port}/"], capture_output=True, timeout=10
            )
            body = result.stdout
            if body.startswith(b"served"):
                break
            time.sleep(0.1)
        assert body == b"served by HTTP/1.1"
    finally:
        child.send_signal(signal.SIGTERM)
        child.communicate(timeout=30)
    assert child.returncode == 0
    refused = subprocess.run(["curl", "-s", f"http://127.0.0.1:{port}/"], timeout=10)
    assert refused.returncode != 0, "ostiumd stopped with the application"


def test_bind_with_a_missing_ostiumd_says_what_to_do(workdir: Path) -> None:
    (workdir / "hello.py").write_text(APP)
    child = _run(workdir, "hello:app", "--bind", "127.0.0.1:1", "--ostiumd", "/nonexistent")
    _, err = child.communicate(timeout=30)
    assert child.returncode == 2 and "/nonexistent is not an executable ostiumd" in err


def test_ostiumd_is_found_on_path_or_in_the_checkout(monkeypatch) -> None:
    from ostium.wsgi import find_ostiumd

    monkeypatch.setenv("PATH", "/nonexistent")
    found = find_ostiumd()
    # cargo test has built target/debug/ostiumd in this checkout.
    assert found is not None and found.endswith("/ostiumd") and os.access(found, os.X_OK)
