"""Fixtures: fresh door paths, and ostiumd in front of a door (the binary the Rust test
harness names in ``OSTIUMD``, or the workspace's debug build)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python"))


@pytest.fixture
def workdir() -> Iterator[Path]:
    """A private temporary directory, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="ostium-py-") as path:
        yield Path(path)


@pytest.fixture
def door_path(workdir: Path) -> str:
    """A path for a door, in a fresh directory."""
    return str(workdir / "test.door")


def ostiumd_binary() -> str:
    """The ostiumd to test with; the test is skipped, saying why, if there is none."""
    named = os.environ.get("OSTIUMD")
    candidates = [named] if named else [str(ROOT / "target" / "debug" / "ostiumd")]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    pytest.skip("no ostiumd binary: run `cargo test --workspace`, or set OSTIUMD")
    raise AssertionError("unreachable")


class Front:
    """ostiumd forwarding ``http`` from a port on 127.0.0.1 to a door."""

    def __init__(self, door: str, workdir: Path) -> None:
        config = workdir / "ostiumd.conf"
        config.write_text(f"forward http 127.0.0.1:0 to {door} {{\n  max-body 4M\n}}\n")
        self.process = subprocess.Popen(
            [ostiumd_binary(), "--config", str(config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        found = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
        if not found:
            self.stop()
            raise RuntimeError(f"ostiumd did not start: {line!r}")
        self.port = int(found.group(1))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def front(workdir: Path) -> Iterator[Front]:
    """A function starting ostiumd in front of a door path; every one is stopped after."""
    started = []

    def start(door: str) -> Front:
        started.append(Front(door, workdir))
        return started[-1]

    yield start  # type: ignore[misc]
    for one in started:
        one.stop()
