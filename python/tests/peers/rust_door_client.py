"""The Python client against a Rust door (``crates/ostiumd/tests/python.rs`` serves it):
``rust_door_client.py PATH`` exits 0 when every check passed.

The Rust door's operations: 1 echoes; 2 reverses lease 0 into lease 1; 3 answers with the
bytes read from the descriptor passed and passes back a pipe holding ``from rust``."""

import os
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from ostium import WRITE, Client, FaultError, Lease  # noqa: E402


def main(path: str) -> None:
    """Every check; an AssertionError fails it."""
    client = Client(path)
    for size in (0, 8, 4096, 100_000, 300_000, 1 << 20):
        payload = os.urandom(size)
        assert client.call(1, payload).data == payload, f"echo of {size} bytes"
    for size in (16, 200_000):
        source, target = os.urandom(size), bytearray(size)
        client.call(2, leases=[Lease(source), Lease(target, WRITE)])
        assert bytes(target) == source[::-1], f"leases of {size} bytes"
    read, write = os.pipe()
    os.write(write, b"from python")
    os.close(write)
    reply = client.call(3, fds=[read])
    os.close(read)
    assert reply.data == b"from python", reply.data
    assert os.read(reply.fds[0], 100) == b"from rust"
    reply.close()
    try:
        client.call(99)
        raise AssertionError("an unknown operation answered")
    except FaultError as err:
        assert err.code == 0xFFFF_FF01, err
    errors = []

    def caller() -> None:
        try:
            for _ in range(50):
                assert client.call(1, b"concurrent").data == b"concurrent"
        except BaseException as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=caller) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    client.ping()
    print("ok")


if __name__ == "__main__":
    main(sys.argv[1])
