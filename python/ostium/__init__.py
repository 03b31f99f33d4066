"""Ostium doors in Python: call any door (:class:`Client`), serve one (:class:`Door`), and
serve a WSGI application behind ostiumd (:mod:`ostium.wsgi`).

The protocol is ``docs/door-protocol.md``; this package is written from it alone, with the
standard library only.
"""

from .client import Client, Lease, Reply
from .door import Door, DoorInUse
from .errors import (
    ApplicationError,
    DeadlineExceeded,
    DoorError,
    FaultError,
    NoDoor,
    ProtocolError,
    ServerDeath,
)
from .pool import PoolStats
from .request import Answer, LeaseError, LeaseView, Request
from .transport import Credentials
from .wire import READ, WRITE, Fault, Op

__all__ = [
    "Answer",
    "ApplicationError",
    "Client",
    "Credentials",
    "DeadlineExceeded",
    "Door",
    "DoorError",
    "DoorInUse",
    "Fault",
    "FaultError",
    "Lease",
    "LeaseError",
    "LeaseView",
    "NoDoor",
    "Op",
    "PoolStats",
    "ProtocolError",
    "READ",
    "Reply",
    "Request",
    "ServerDeath",
    "WRITE",
]
__version__ = "0.1.0"
