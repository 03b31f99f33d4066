"""A Python door and the Python client, over real sockets: payload sizes, descriptors,
leases, faults, malformed messages, revoke, the pool following the calls, no wakeups
when idle, and a door socket handed over by the systemd convention."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import List

import pytest

from ostium import (
    READ,
    WRITE,
    Answer,
    Client,
    Door,
    Fault,
    FaultError,
    Lease,
    NoDoor,
    ProtocolError,
    Request,
    transport,
    wire,
)

ECHO, SLEEP, LEASES, GIVE_FD, FAIL, WHO, READ_FD, APP_ERROR = range(1, 9)


def handler(request: Request) -> Answer:
    """The test door's operations."""
    if request.op == ECHO:
        return Answer.ok(request.args)
    if request.op == SLEEP:
        time.sleep(float(request.args or b"0.3"))
        return Answer.ok(b"slept")
    if request.op == LEASES:
        source, target = request.leases
        target.write(0, source.read()[::-1])
        return Answer.ok()
    if request.op == GIVE_FD:
        read, write = os.pipe()
        os.write(write, b"from the door")
        os.close(write)
        return Answer.ok(b"", [read])
    if request.op == FAIL:
        raise RuntimeError("the handler fails on purpose")
    if request.op == WHO:
        return Answer.ok(f"{request.caller.pid} {request.caller.uid}".encode())
    if request.op == READ_FD:
        data = os.read(request.fds[0], 100)
        for fd in request.fds:
            os.close(fd)
        return Answer.ok(data)
    if request.op == APP_ERROR:
        return Answer.error(42, b"no luck")
    return Answer.fault(Fault.UNKNOWN_OPERATION)


@pytest.fixture
def door(door_path: str):
    with Door(door_path, handler, idle_timeout=0.3) as served:
        yield served


@pytest.mark.parametrize("size", [0, 8, 4096, 100_000, 300_000, 1 << 20])
def test_echo_of_every_size_inline_or_in_a_memfd(door: Door, size: int) -> None:
    payload = os.urandom(size)
    with Client(door.path) as client:
        assert client.call(ECHO, payload).data == payload


def test_descriptors_leases_faults_and_callers(door: Door) -> None:
    client = Client(door.path)
    reply = client.call(GIVE_FD)
    assert os.read(reply.fds[0], 100) == b"from the door"
    reply.close()
    read, write = os.pipe()
    os.write(write, b"to the door")
    assert client.call(READ_FD, fds=[read]).data == b"to the door"
    os.close(read)
    os.close(write)
    for size in (3, 100_000):
        source = os.urandom(size)
        target = bytearray(size)
        client.call(LEASES, leases=[Lease(source), Lease(target, WRITE)])
        assert bytes(target) == source[::-1]
    with pytest.raises(FaultError) as err:
        client.call(FAIL)
    assert err.value.code == Fault.HANDLER_PANICKED
    assert client.call(ECHO, b"still serving").data == b"still serving"
    assert client.call(WHO).data == f"{os.getpid()} {os.geteuid()}".encode()
    assert client.call(APP_ERROR).status == 42
    with pytest.raises(FaultError):
        client.call(99)
    client.ping()


def test_a_handler_outside_its_lease_gets_bad_lease(door_path: str) -> None:
    def outside(request: Request) -> Answer:
        request.leases[0].write(0, b"too long for it")
        return Answer.ok()

    with Door(door_path, outside) as served, Client(served.path) as client:
        with pytest.raises(FaultError) as err:
            client.call(1, leases=[Lease(bytearray(3), WRITE)])
        assert err.value.code == Fault.BAD_LEASE
        with pytest.raises(FaultError):
            client.call(1, leases=[Lease(b"read only", READ)])


def _raw(path: str) -> socket.socket:
    sock = transport.connect(path, timeout=5)
    transport.send(sock, wire.Hello(65536, wire.Capability.MEMFD).encode())
    hello = transport.receive(sock, 65536)
    assert wire.Hello.decode(hello.data, 0, from_server=True).status == 0
    return sock


def test_malformed_calls_get_bad_message_and_the_door_goes_on(door: Door) -> None:
    sock = _raw(door.path)
    bad = bytearray(wire.encode_call(5, ECHO, b"abc"))
    bad[18] = 1  # a reserved field
    transport.send(sock, bytes(bad))
    reply = wire.decode_reply(transport.receive(sock, 65536).data, 0, [])
    assert (reply.id, reply.status) == (5, Fault.BAD_MESSAGE)
    transport.send(sock, wire.encode_call(6, ECHO, b"fine"))
    assert wire.decode_reply(transport.receive(sock, 65536).data, 0, []).data == b"fine"
    transport.send(sock, b"\x09garbage")  # not even a header: the connection closes
    assert transport.receive(sock, 65536).data == b""
    sock.close()
    bad_hello = transport.connect(door.path, timeout=5)
    transport.send(bad_hello, b"\x01" + bytes(47))
    answer = wire.Hello.decode(transport.receive(bad_hello, 65536).data, 0, from_server=True)
    assert answer.status == Fault.BAD_MESSAGE
    bad_hello.close()
    assert Client(door.path).call(ECHO, b"ok").data == b"ok"


def test_a_silent_connection_is_closed_after_the_hello_timeout(door_path: str) -> None:
    with Door(door_path, handler, hello_timeout=0.2) as served:
        silent = transport.connect(served.path, timeout=5)
        assert transport.receive(silent, 100).data == b""
        silent.close()


def test_revoke_removes_the_file_and_refuses_calls(door: Door) -> None:
    client = Client(door.path)
    door.revoke()
    assert not os.path.exists(door.path)
    with pytest.raises(FaultError) as err:
        client.call(ECHO, b"x")
    assert err.value.code == Fault.REVOKED
    with pytest.raises(NoDoor):
        Client(door.path)


@pytest.mark.parametrize("k", [1, 2, 8, 32])
def test_the_pool_follows_k_concurrent_calls_and_shrinks_back(door_path: str, k: int) -> None:
    with Door(door_path, handler, idle_timeout=0.3) as served:
        client = Client(served.path)
        peaks: List[int] = []
        calls = [threading.Thread(target=client.call, args=(SLEEP, b"0.5")) for _ in range(k)]
        for call in calls:
            call.start()
        deadline = time.monotonic() + 0.45
        while time.monotonic() < deadline:
            peaks.append(served.stats().threads)
            time.sleep(0.01)
        for call in calls:
            call.join()
        peak = max(peaks)
        # K busy threads, one leading, at most one pending.
        assert k <= peak <= k + 2, (k, peak)
        until = time.monotonic() + 10
        while served.stats().threads > 1 and time.monotonic() < until:
            time.sleep(0.05)
        assert served.stats().threads == 1


def _context_switches(pid: int) -> int:
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        for line in (task / "status").read_text().splitlines():
            if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                total += int(line.split()[1])
    return total


def test_an_idle_door_makes_no_wakeups(workdir: Path, door_path: str) -> None:
    script = workdir / "idle.py"
    script.write_text(
        "import sys; sys.path.insert(0, sys.argv[2])\n"
        "from ostium import Door, Answer\n"
        "door = Door(sys.argv[1], lambda r: Answer.ok(r.args))\n"
        "print('ready', flush=True)\n"
        "door.serve_forever()\n"
    )
    python_dir = str(Path(__file__).resolve().parents[1])
    child = subprocess.Popen(
        [sys.executable, str(script), door_path, python_dir], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout.readline() == "ready\n"
        Client(door_path).call(1, b"warm")
        time.sleep(0.5)
        before = _context_switches(child.pid)
        time.sleep(3)
        woken = _context_switches(child.pid) - before
        assert woken == 0, f"{woken} wakeups in 3 s of idleness"
    finally:
        child.terminate()
        assert child.wait(10) == 0
    assert not os.path.exists(door_path), "SIGTERM removed the door"


def test_a_door_socket_handed_over_by_the_systemd_convention(workdir: Path, door_path: str) -> None:
    listener = transport.seqpacket()
    listener.bind(door_path)
    listener.listen(16)
    script = workdir / "handed.py"
    script.write_text(
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from ostium import Door, Answer\n"
        "door = Door.from_listen_fds(lambda r: Answer.ok(b'handed ' + r.args), name='app')\n"
        "print('ready', flush=True)\n"
        "door.serve_forever()\n"
    )
    python_dir = str(Path(__file__).resolve().parents[1])

    # As systemd does: the socket at descriptor 3, LISTEN_PID the child's own pid.
    fd = listener.fileno()
    launcher = (
        "import os, sys; os.dup2(int(sys.argv[1]), 3); "
        "os.environ['LISTEN_PID'] = str(os.getpid()); "
        "os.execv(sys.executable, [sys.executable] + sys.argv[2:])"
    )
    command = [sys.executable, "-c", launcher, str(fd), str(script), python_dir]
    env = dict(os.environ, LISTEN_FDS="1", LISTEN_FDNAMES="app")
    children = [
        subprocess.Popen(command, env=env, pass_fds=(fd,), stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    try:
        for child in children:
            assert child.stdout.readline() == "ready\n"
        # Two processes serve the one door.
        answers = {Client(door_path).call(1, b"x").data for _ in range(20)}
        assert answers == {b"handed x"}
    finally:
        for child in children:
            child.terminate()
            child.wait(10)
    assert os.path.exists(door_path), "the handed door's file is its owner's to remove"
    listener.close()


def test_the_client_refuses_a_malformed_reply(workdir: Path) -> None:
    """A fake door that answers HELLO properly, then a REPLY with a reserved field set."""
    path = str(workdir / "fake.door")
    listener = transport.seqpacket()
    listener.bind(path)
    listener.listen(1)

    def fake() -> None:
        conn, _ = listener.accept()
        transport.receive(conn, 65536)
        transport.send(conn, wire.Hello(65536, wire.Capability.MEMFD, instance=b"i" * 16).encode())
        call = wire.decode_call(transport.receive(conn, 65536).data, 0)
        reply = bytearray(wire.encode_reply(call.id, 0, b"ok"))
        reply[20] = 1  # a reserved byte
        transport.send(conn, bytes(reply))
        conn.recv(1)  # until the client closes
        conn.close()

    thread = threading.Thread(target=fake)
    thread.start()
    client = Client(path)
    with pytest.raises(ProtocolError, match="reserved"):
        client.call(1, b"x")
    client.close()
    thread.join(10)
    listener.close()
