"""A Python door for the Rust tests (``crates/ostiumd/tests/python.rs``) to call:
``echo_door.py PATH`` prints ``ready`` once it serves, until SIGTERM.

Operations: 1 echoes; 2 reverses lease 0 into lease 1; 3 answers with the bytes read from
each descriptor passed, and passes back a pipe holding ``from python``."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from ostium import Answer, Door, Request  # noqa: E402


def handler(request: Request) -> Answer:
    """The operations above."""
    if request.op == 1:
        return Answer.ok(request.args)
    if request.op == 2:
        source, target = request.leases
        target.write(0, source.read()[::-1])
        return Answer.ok()
    if request.op == 3:
        seen = b"|".join(os.read(fd, 100) for fd in request.fds)
        for fd in request.fds:
            os.close(fd)
        read, write = os.pipe()
        os.write(write, b"from python")
        os.close(write)
        return Answer.ok(seen, [read])
    return Answer.fault(1)


if __name__ == "__main__":
    door = Door(sys.argv[1], handler)
    print("ready", flush=True)
    door.serve_forever()
