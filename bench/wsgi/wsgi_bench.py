"""wsgi-bench: a WSGI application behind ostiumd + ``ostium.wsgi`` against gunicorn
(``-k gthread``, one worker), granian (``--interface wsgi``, one worker) and gunicorn
behind nginx, in one run, under ``wrk -c1``, ``-c8`` and ``-c50``.

For each server, application and load it prints requests/s, p50 and p99 latency, the CPU
time of every process of the server per request, the application process's threads at
their most, and its resident memory idle and at its peak; then ostium's ratios to each
peer. Usage (from the repository root, after ``cargo build --release -p ostiumd``)::

    python3 bench/wsgi/wsgi_bench.py [--seconds 5] [--threads 8] [--loads 1,8,50]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Result:
    """One server, application and load."""

    server: str
    app: str
    connections: int
    rps: float
    p50_ms: float
    p99_ms: float
    cpu_us_per_request: float
    app_threads_peak: int
    rss_idle_mib: float
    rss_peak_mib: float


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_http(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"GET / HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n")
                if sock.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"nothing answered 200 on port {port}")


def descendants(pid: int) -> List[int]:
    """``pid`` and every process below it."""
    children: Dict[int, List[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def cpu_seconds(pids: List[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError):
            pass
    return total / TICKS


def rss_mib(pid: int) -> float:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE / (1 << 20)
    except OSError:
        return 0.0


def threads(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return 0


class Server:
    """A server under test: its processes, its port, and which process is the app's."""

    def __init__(
        self,
        name: str,
        commands: List[List[str]],
        port: int,
        app_marker: str,
        env: Optional[dict] = None,
        cwd: Optional[Path] = None,
    ) -> None:
        self.name = name
        self.port = port
        self.processes = [
            subprocess.Popen(
                command,
                env=env,
                cwd=cwd,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
            for command in commands
        ]
        self.app_marker = app_marker
        wait_http(port)

    def pids(self) -> List[int]:
        return [pid for process in self.processes for pid in descendants(process.pid)]

    def app_pid(self) -> int:
        """The process running the Python application (gunicorn's worker, not its master)."""
        candidates = []
        for pid in self.pids():
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            if self.app_marker.encode() in cmdline:
                candidates.append(pid)
        return max(candidates)  # the most recent: a worker after its master

    def stop(self) -> None:
        for process in reversed(self.processes):
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for process in self.processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def wrk(port: int, connections: int, seconds: float) -> tuple:
    output = subprocess.run(
        [
            "wrk",
            "-t",
            str(min(connections, 2)),
            "-c",
            str(connections),
            "-d",
            f"{int(seconds)}s",
            "--latency",
            f"http://127.0.0.1:{port}/",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    return rps, total, latency(output, "50%"), latency(output, "99%")


def latency(output: str, which: str) -> float:
    value, unit = re.search(rf"{which}\s+([\d.]+)(us|ms|s)", output).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def measure(server: Server, app: str, connections: int, seconds: float) -> Result:
    app_pid = server.app_pid()
    time.sleep(0.5)
    idle = rss_mib(app_pid)
    peak_threads, peak_rss = threads(app_pid), idle
    running = True

    def sample() -> None:
        nonlocal peak_threads, peak_rss
        while running:
            peak_threads = max(peak_threads, threads(app_pid))
            peak_rss = max(peak_rss, rss_mib(app_pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    pids = server.pids()
    before = cpu_seconds(pids)
    rps, total, p50, p99 = wrk(server.port, connections, seconds)
    used = cpu_seconds(pids) - before
    running = False
    sampler.join()
    return Result(
        server.name,
        app,
        connections,
        rps,
        p50,
        p99,
        used / max(total, 1) * 1e6,
        peak_threads,
        idle,
        peak_rss,
    )


def servers(app: str, spec: str, workdir: Path, threads_max: int, ostiumd: str, wanted: List[str]):
    """Starts each wanted server in turn (a generator: one runs at a time)."""
    for name, start in _starters(spec, workdir, threads_max, ostiumd):
        if name in wanted:
            yield start()


def _starters(spec: str, workdir: Path, threads_max: int, ostiumd: str):
    """(name, function starting it) for each server, in order."""
    env = dict(os.environ, PYTHONPATH=f"{ROOT / 'python'}:{HERE}")
    gunicorn = [
        "gunicorn",
        "-k",
        "gthread",
        "--workers",
        "1",
        "--threads",
        str(threads_max),
        "--log-level",
        "warning",
        "-b",
    ]

    def ostium() -> Server:
        port = free_port()
        door = workdir / "app.door"
        config = workdir / "ostiumd.conf"
        config.write_text(f"forward http 127.0.0.1:{port} to {door}\n")
        return Server(
            "ostium",
            [
                [
                    sys.executable,
                    "-m",
                    "ostium.wsgi",
                    spec,
                    "--door",
                    str(door),
                    "--threads",
                    str(threads_max),
                    "--log-level",
                    "warning",
                ],
                [ostiumd, "--config", str(config)],
            ],
            port,
            "ostium.wsgi",
            env,
        )

    def plain_gunicorn() -> Server:
        port = free_port()
        return Server(
            "gunicorn", [gunicorn + [f"127.0.0.1:{port}", spec]], port, "gunicorn", env, HERE
        )

    def granian() -> Server:
        port = free_port()
        return Server(
            "granian",
            [
                [
                    "granian",
                    "--interface",
                    "wsgi",
                    "--workers",
                    "1",
                    "--blocking-threads",
                    str(threads_max),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--log-level",
                    "warning",
                    spec,
                ]
            ],
            port,
            "granian",
            env,
            HERE,
        )

    def behind_nginx() -> Server:
        port, upstream = free_port(), free_port()
        nginx_conf = workdir / "nginx.conf"
        nginx_conf.write_text(NGINX.format(dir=workdir, port=port, upstream=upstream))
        return Server(
            "gunicorn+nginx",
            [
                gunicorn + [f"127.0.0.1:{upstream}", spec],
                ["nginx", "-c", str(nginx_conf), "-g", "daemon off;"],
            ],
            port,
            "gunicorn",
            env,
            HERE,
        )

    return [
        ("ostium", ostium),
        ("gunicorn", plain_gunicorn),
        ("granian", granian),
        ("gunicorn+nginx", behind_nginx),
    ]


NGINX = """
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}; proxy_temp_path {dir}; fastcgi_temp_path {dir};
    uwsgi_temp_path {dir}; scgi_temp_path {dir};
    upstream app {{ server 127.0.0.1:{upstream}; keepalive 64; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }}
    }}
}}
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--loads", default="1,8,50")
    parser.add_argument(
        "--servers",
        default="ostium,gunicorn,granian,gunicorn+nginx",
        help="which servers to run, comma-separated",
    )
    parser.add_argument("--ostiumd", default=str(ROOT / "target" / "release" / "ostiumd"))
    args = parser.parse_args()
    for tool in ("wrk", "gunicorn", "granian", "nginx"):
        if not shutil.which(tool):
            print(f"wsgi-bench: {tool} is missing", file=sys.stderr)
            return 2
    apps = [("hello", "apps:hello")]
    if _has_flask():
        apps.append(("flask", "apps:flask_app"))
    else:
        print("wsgi-bench: Flask is not installed; only the hello application runs")
    loads = [int(load) for load in args.loads.split(",")]
    results: List[Result] = []
    print(
        f"{'server':<16}{'app':<7}{'conns':>6}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'cpu µs/req':>11}{'threads':>8}{'rss idle':>9}{'rss peak':>9}"
    )
    for app, spec in apps:
        with tempfile.TemporaryDirectory(prefix="wsgi-bench-") as workdir:
            wanted = args.servers.split(",")
            for server in servers(app, spec, Path(workdir), args.threads, args.ostiumd, wanted):
                try:
                    for load in loads:
                        result = measure(server, app, load, args.seconds)
                        results.append(result)
                        print(
                            f"{result.server:<16}{app:<7}{load:>6}{result.rps:>10.0f}"
                            f"{result.p50_ms:>9.2f}{result.p99_ms:>9.2f}"
                            f"{result.cpu_us_per_request:>11.0f}"
                            f"{result.app_threads_peak:>8}{result.rss_idle_mib:>9.1f}"
                            f"{result.rss_peak_mib:>9.1f}",
                            flush=True,
                        )
                finally:
                    server.stop()
    ratios(results)
    return 0


def _has_flask() -> bool:
    try:
        import flask  # noqa: F401
    except ImportError:
        return False
    return True


def ratios(results: List[Result]) -> None:
    print("\nostium / peer, requests/s (targets: ≥ 1.0× gunicorn, ≥ 0.8× granian):")
    index = {(r.server, r.app, r.connections): r for r in results}
    for (server, app, load), ours in sorted(index.items()):
        if server != "ostium":
            continue
        parts = []
        for peer in ("gunicorn", "granian", "gunicorn+nginx"):
            theirs = index.get((peer, app, load))
            if theirs:
                parts.append(f"{peer} {ours.rps / theirs.rps:.2f}×")
        print(f"  {app:<6} c{load:<3} " + ", ".join(parts))


if __name__ == "__main__":
    sys.exit(main())
