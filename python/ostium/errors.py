"""What can go wrong with a door call, as exceptions."""

from __future__ import annotations

from .wire import fault_name


class DoorError(Exception):
    """Any failure of a door call or of serving a door."""


class NoDoor(DoorError):
    """Nobody serves the door: the path does not exist, or nobody accepts there."""


class ServerDeath(DoorError):
    """The connection ended while the call was outstanding: whether it ran is unknown."""


class DeadlineExceeded(DoorError):
    """No reply came before the call's deadline."""


class ProtocolError(DoorError):
    """The peer sent something the protocol does not allow."""


class FaultError(DoorError):
    """The server answered with a fault of the runtime (``docs/door-protocol.md`` §6)."""

    def __init__(self, code: int) -> None:
        super().__init__(fault_name(code))
        self.code = code


class ApplicationError(DoorError):
    """The operation failed with an application status (an error code and its data)."""

    def __init__(self, status: int, data: bytes) -> None:
        super().__init__(f"application error {status}")
        self.status = status
        self.data = data
