"""Hostile input and hostile load: decoders given random and mutated messages raise
located errors and nothing else, a door out of descriptors rests rather than spins, and
repeated failures cannot flood the log."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

from ostium import Client, http, wire
from ostium.throttle import Throttle

SEEDS = [
    wire.encode_call(
        7, 3, b"args", leases=[wire.LeaseSpec(wire.READ, wire.INLINE, 2)], inline_contents=[b"ab"]
    ),
    wire.encode_reply(7, 0, b"data", lease_contents=[b"xy"]),
    wire.Hello(65536, wire.Capability.MEMFD).encode(),
]


def _mutations(seed: bytes, rng: random.Random, count: int):
    for _ in range(count):
        data = bytearray(seed)
        for _ in range(rng.randint(1, 4)):
            choice = rng.random()
            if choice < 0.5 and data:
                data[rng.randrange(len(data))] = rng.randrange(256)
            elif choice < 0.75:
                data = data[: rng.randrange(len(data) + 1)]
            else:
                data += bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        yield bytes(data)
    for _ in range(count // 4):
        yield bytes(rng.randrange(256) for _ in range(rng.randint(0, 120)))


def _only_decode_errors(decode, messages) -> int:
    decoded = 0
    for message in messages:
        try:
            decode(message)
            decoded += 1
        except wire.DecodeError as err:
            assert err.field and err.offset >= 0
    return decoded


def test_the_protocol_decoders_raise_located_errors_and_nothing_else() -> None:
    rng = random.Random(1)
    decoders = [
        lambda m: wire.decode_call(m, rng.randint(0, 2)),
        lambda m: wire.decode_reply(m, rng.randint(0, 1), [2]),
        lambda m: wire.Hello.decode(m, 0, from_server=bool(rng.randint(0, 1))),
    ]
    for seed in SEEDS:
        for decode in decoders:
            _only_decode_errors(decode, _mutations(seed, rng, 2000))


def test_the_http_decoders_raise_located_errors_and_nothing_else() -> None:
    rng = random.Random(2)
    request = http.HttpRequest(
        "POST",
        "/a?b",
        (1, 1),
        [("host", b"h"), ("x", b"1")],
        3,
        b"abc",
        False,
        False,
        http.Address("192.0.2.7", 50000, 4),
        http.Address("::1", 8080, 6),
    )
    response = http.encode_response(http.HttpResponse(200, [("a", b"b")], b"ok"))
    _only_decode_errors(http.decode_request, _mutations(http.encode_request(request), rng, 5000))
    _only_decode_errors(http.decode_response, _mutations(response, rng, 5000))


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_a_door_out_of_descriptors_rests_instead_of_spinning(workdir: Path) -> None:
    door = str(workdir / "limited.door")
    script = workdir / "limited.py"
    script.write_text(
        "import resource, sys; sys.path.insert(0, sys.argv[2])\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (40, 40))\n"
        "from ostium import Door, Answer\n"
        "door = Door(sys.argv[1], lambda r: Answer.ok(r.args), hello_timeout=60,\n"
        "            max_connections=1000)\n"
        "print('ready', flush=True)\n"
        "door.serve_forever()\n"
    )
    python_dir = str(Path(__file__).resolve().parents[1])
    child = subprocess.Popen(
        [sys.executable, str(script), door, python_dir],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    flood = []
    try:
        assert child.stdout.readline() == "ready\n"
        import socket

        for _ in range(80):  # past its 40 descriptors: the rest wait in the backlog
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            sock.connect(door)
            flood.append(sock)
        time.sleep(0.3)
        before = _cpu_seconds(child.pid)
        time.sleep(1)
        used = _cpu_seconds(child.pid) - before
        assert used < 0.3, f"{used:.2f} s of CPU in 1 s out of descriptors: spinning"
        for sock in flood:
            sock.close()
        flood.clear()
        deadline = time.monotonic() + 10
        while True:
            try:
                assert Client(door, timeout=5).call(1, b"back").data == b"back"
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    finally:
        for sock in flood:
            sock.close()
        child.terminate()
        _, errors = child.communicate(timeout=10)
    assert errors.count("accept on") <= 3, f"the log was flooded:\n{errors[:2000]}"


def test_a_throttle_lets_a_burst_through_per_interval_and_counts_the_rest() -> None:
    throttle = Throttle(interval=0.2, burst=2)
    assert [throttle.passes() for _ in range(5)] == [0, 0, None, None, None]
    time.sleep(0.25)
    assert throttle.passes() == 3
