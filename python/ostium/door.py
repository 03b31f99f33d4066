"""``Door``: serving calls at a filesystem path, on an elastic pool of threads.

The door's socket is bound at its path (or handed over by the systemd convention,
:meth:`Door.from_listen_fds`). One thread of the pool (:mod:`ostium.pool`) waits on an epoll
set of the listener and the connections (each armed one-shot, so that one thread at a time
serves a connection, its messages in order); when a connection has a message, that thread
serves it and another leads. Bounds: ``max_connections`` connections (then the listener
rests and new ones wait in the backlog), half of them per user (the door's owner and root
exempt), ``hello_timeout`` to say ``HELLO``, ``max_message`` per inline message and
``max_args`` for arguments in a memfd.
"""

from __future__ import annotations

import errno
import logging
import os
import resource
import select
import signal
import socket
import stat
import struct
import tempfile
import threading
import time
from typing import Callable, Dict, List, Optional, Union

from . import transport, wire
from .pool import Pool, PoolStats
from .request import Answer, LeaseError, LeaseView, Request
from .throttle import Throttle
from .transport import Credentials

log = logging.getLogger("ostium.door")

Handler = Callable[[Request], Union[Answer, bytes]]

_ONESHOT = select.EPOLLIN | select.EPOLLONESHOT
#: How long the door stops accepting when out of descriptors or memory.
ACCEPT_REST = 0.1
_OUT_OF_RESOURCES = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}
_ACCEPT_FAILED = Throttle()
_HANDLER_FAILED = Throttle()


class DoorInUse(OSError):
    """A live door already answers at the path."""


class _Conn:
    """A client connection, as the door keeps it."""

    def __init__(self, sock: socket.socket, caller: Credentials, adopted: bool) -> None:
        self.sock = sock
        self.fd = sock.fileno()
        self.caller = caller
        self.adopted = adopted
        self.session: Optional[wire.Hello] = None
        self.max_send = 0
        self.hello_due = 0.0


def _default_max_connections() -> int:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return max(16, min(soft // 2, 1 << 20)) if soft != resource.RLIM_INFINITY else 1 << 16


class Door:
    """A door being served: ``Door(path, handler)`` creates it and starts serving;
    :meth:`close` (or leaving a ``with`` block) revokes it and waits for the calls in
    flight; :meth:`serve_forever` does so on ``SIGTERM`` or ``SIGINT``."""

    def __init__(
        self,
        path: str,
        handler: Handler,
        *,
        mode: int = 0o600,
        min_threads: int = 1,
        max_threads: int = 64,
        idle_timeout: float = 10.0,
        max_connections: Optional[int] = None,
        hello_timeout: float = 5.0,
        max_message: int = 64 * 1024,
        max_args: int = 64 * 1024 * 1024,
        send_timeout: float = 10.0,
        linger: float = 0.002,
        listener: Optional[socket.socket] = None,
    ) -> None:
        """Binds the door at ``path`` with permissions ``mode`` (replacing a stale socket
        file nobody serves; :class:`DoorInUse` if somebody does), or serves ``listener``,
        a listening Unix ``SOCK_SEQPACKET`` socket handed over (then ``path`` is only its
        name, and is not removed when the door stops)."""
        self.path = os.fspath(path)
        self.handler = handler
        self.max_message = max(wire.MIN_MAX_MESSAGE, max_message)
        self.max_args = max_args
        self.hello_timeout = hello_timeout
        self.send_timeout = send_timeout
        self.linger = linger
        self.max_connections = max_connections or _default_max_connections()
        self.instance = os.urandom(16)
        self._owned_path = listener is None
        self._listener = listener if listener is not None else _bind(self.path, mode)
        self._listener.setblocking(False)
        self._file_id = _file_id(self.path) if self._owned_path else None
        self._owner = os.stat(self.path).st_uid if os.path.exists(self.path) else os.geteuid()
        self._lock = threading.Lock()
        self._conns: Dict[int, _Conn] = {}
        self._per_uid: Dict[int, int] = {}
        self._accepting = True
        #: When a rest from accepting ends (0: not resting).
        self._rest_until = 0.0
        self._revoked = False
        self._stopping = False
        self._epoll = select.epoll()
        self._wake_r, self._wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self._epoll.register(self._wake_r, select.EPOLLIN)
        self._epoll.register(self._listener.fileno(), select.EPOLLIN)
        self._pool: Pool[_Conn] = Pool(
            self._next,
            self._serve,
            min_threads=min_threads,
            max_threads=max_threads,
            idle_timeout=idle_timeout,
        )

    @classmethod
    def from_listen_fds(
        cls, handler: Handler, name: Optional[str] = None, **options: object
    ) -> Door:
        """Serves the door socket handed over by the systemd convention (``LISTEN_PID``,
        ``LISTEN_FDS``, ``LISTEN_FDNAMES``): the one named ``name``, or the only one.
        The variables are removed from the environment, so that children do not take them."""
        listener = _listen_fd(name)
        path = listener.getsockname()
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        return cls(path or "", handler, listener=listener, **options)  # type: ignore[arg-type]

    # -- life -------------------------------------------------------------------------

    def stats(self) -> PoolStats:
        """The door's threads now."""
        return self._pool.stats()

    def connections(self) -> int:
        """How many client connections are open."""
        with self._lock:
            return len(self._conns)

    def revoke(self) -> None:
        """Takes no new calls: the path is removed (if the door bound it), new connections
        are refused, and calls on open connections are answered ``REVOKED``. Calls in
        flight finish."""
        with self._lock:
            if self._revoked:
                return
            self._revoked = True
            listener, self._listener = self._listener, None
        if listener is not None:
            try:
                self._epoll.unregister(listener.fileno())
            except OSError:
                pass
            listener.close()
        if self._owned_path and _file_id(self.path) == self._file_id:
            try:
                os.unlink(self.path)
            except OSError:
                pass

    def close(self) -> None:
        """Revokes the door, waits for the calls in flight, and closes its connections."""
        self.revoke()
        with self._lock:
            if self._stopping:
                return
            self._stopping = True
        os.write(self._wake_w, b"x")
        self._pool.wait_stopped()
        with self._lock:
            conns, self._conns = list(self._conns.values()), {}
        for conn in conns:
            conn.sock.close()
        self._epoll.close()
        os.close(self._wake_r)
        os.close(self._wake_w)

    def serve_forever(self) -> None:
        """Serves until ``SIGTERM`` or ``SIGINT`` (from the main thread), then closes: the
        door file is removed and the calls in flight finish. Idle, it makes no wakeups."""
        stop = threading.Event()
        previous = {
            sig: signal.signal(sig, lambda *_: stop.set())
            for sig in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            stop.wait()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self.close()

    def __enter__(self) -> Door:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the leader's wait ---------------------------------------------------------------

    def _next(self) -> Optional[_Conn]:
        """Waits for a connection with a message (the pool's leader only)."""
        while True:
            if self._stopping:
                return None
            timeout = self._wake_in()
            events = self._epoll.poll(-1 if timeout is None else timeout, 1)
            if not events:
                self._expire_hellos(time.monotonic())
                self._end_rest(time.monotonic())
                continue
            fd, _ = events[0]
            if fd == self._wake_r:
                _drain(self._wake_r)
                continue
            listener = self._listener
            if listener is not None and fd == listener.fileno():
                self._accept_all(listener)
                continue
            with self._lock:
                conn = self._conns.get(fd)
            if conn is not None:
                return conn

    def _wake_in(self) -> Optional[float]:
        """Seconds until the next ``HELLO`` deadline or the end of a rest from accepting
        (``None``: neither, so no wakeup)."""
        with self._lock:
            due = [
                conn.hello_due
                for conn in self._conns.values()
                if conn.session is None and conn.hello_due
            ]
            if self._rest_until:
                due.append(self._rest_until)
        return None if not due else max(0.0, min(due) - time.monotonic())

    def _end_rest(self, now: float) -> None:
        """Accepts again once a rest from accepting (out of descriptors) is over."""
        with self._lock:
            if not self._rest_until or self._rest_until > now:
                return
            self._rest_until = 0.0
            listener = self._listener
            if listener is None or len(self._conns) >= self.max_connections:
                return
            self._accepting = True
        try:
            self._epoll.register(listener.fileno(), select.EPOLLIN)
        except OSError:
            pass

    def _expire_hellos(self, now: float) -> None:
        with self._lock:
            late = [
                conn
                for conn in self._conns.values()
                if conn.session is None and conn.hello_due and conn.hello_due <= now
            ]
        for conn in late:
            self._drop(conn)

    def _accept_all(self, listener: socket.socket) -> None:
        while True:
            with self._lock:
                if len(self._conns) >= self.max_connections:
                    # Full: the backlog holds the rest until a connection closes.
                    self._epoll.unregister(listener.fileno())
                    self._accepting = False
                    return
            try:
                sock, _ = listener.accept()
            except BlockingIOError:
                return
            except OSError as err:
                if err.errno in _OUT_OF_RESOURCES:
                    # The listener stays readable: waiting on it again would spin.
                    self._epoll.unregister(listener.fileno())
                    with self._lock:
                        self._accepting = False
                        self._rest_until = time.monotonic() + ACCEPT_REST
                held = _ACCEPT_FAILED.passes()
                if held is not None:
                    log.warning("accept on %s failed: %s (%d held back)", self.path, err, held)
                return
            self._admit(sock, adopted=False)

    def _admit(self, sock: socket.socket, adopted: bool, uid: Optional[int] = None) -> bool:
        """Registers a connection, unless its user is at its cap; whether it was."""
        caller = transport.peer_credentials(sock)
        counted = caller.uid if uid is None else uid
        exempt = counted in (0, self._owner)
        with self._lock:
            held = self._per_uid.get(counted, 0)
            if not exempt and held >= max(1, self.max_connections // 2):
                sock.close()
                return False
            self._per_uid[counted] = held + 1
            conn = _Conn(sock, Credentials(caller.pid, counted, caller.gid), adopted)
            conn.hello_due = 0.0 if adopted else time.monotonic() + self.hello_timeout
            self._conns[conn.fd] = conn
        # Blocking, with the kernel's timeouts: a receive waits at most the linger (or, with
        # none, is made only when epoll said a message is there), a send the send timeout.
        sock.setblocking(True)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, _timeval(self.send_timeout))
        if self.linger > 0:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, _timeval(self.linger))
        if adopted:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self._epoll.register(conn.fd, _ONESHOT)
        return True

    def _drop(self, conn: _Conn) -> None:
        with self._lock:
            if self._conns.pop(conn.fd, None) is None:
                return
            uid = conn.caller.uid
            self._per_uid[uid] = self._per_uid.get(uid, 1) - 1
            if self._per_uid[uid] <= 0:
                del self._per_uid[uid]
            reopen = not self._accepting and self._listener is not None
            self._accepting = True
            self._rest_until = 0.0
        try:
            self._epoll.unregister(conn.fd)
        except (OSError, ValueError):
            pass
        conn.sock.close()
        listener = self._listener
        if reopen and listener is not None:
            try:
                self._epoll.register(listener.fileno(), select.EPOLLIN)
            except OSError:
                pass

    # -- serving a connection ------------------------------------------------------------

    def _serve(self, conn: _Conn) -> None:
        """Serves a connection that has a message, then lingers on it: while its caller
        sends its next call within ``linger``, this thread serves it directly, without the
        pass through the pool's leader and the handoff to another thread."""
        keep = self._serve_one(conn)
        while keep is True and self.linger > 0 and not self._stopping:
            keep = self._serve_one(conn)
        if keep and not self._stopping:
            try:
                self._epoll.modify(conn.fd, _ONESHOT)
                return
            except OSError:
                pass
        self._drop(conn)

    def _serve_one(self, conn: _Conn) -> Union[bool, str]:
        """Receives one message and answers it; whether the connection stays open
        (``"idle"``: nothing came within the linger)."""
        try:
            message = transport.receive(conn.sock, self.max_message)
        except BlockingIOError:
            return "idle"
        except transport.Truncated as err:
            call = wire.call_id(err.data) if conn.session else None
            return call is not None and self._send_fault(conn, call, wire.Fault.REQUEST_TOO_LARGE)
        except OSError:
            return False
        if not message.data:
            return False
        if conn.session is None:
            return self._answer_hello(conn, message)
        return self._answer_call(conn, message)

    def _answer_hello(self, conn: _Conn, message: transport.Message) -> bool:
        try:
            client = wire.Hello.decode(message.data, len(message.fds), from_server=False)
        except wire.DecodeError as err:
            transport.close_all(message.fds)
            log.debug("a malformed HELLO on %s: %s", self.path, err)
            self._send_hello(conn, wire.Fault.BAD_MESSAGE)
            return False
        if not client.min_version <= wire.VERSION <= client.max_version:
            self._send_hello(conn, wire.Fault.UNSUPPORTED_VERSION)
            return False
        ours = wire.Capability.MEMFD
        conn.session = wire.Hello(client.max_message, client.capabilities & ours)
        conn.max_send = transport.max_inline(conn.sock, client.max_message)
        return self._send_hello(conn, 0)

    def _send_hello(self, conn: _Conn, status: int) -> bool:
        hello = wire.Hello(
            self.max_message, wire.Capability.MEMFD, instance=self.instance, status=status
        )
        try:
            transport.send(conn.sock, hello.encode())
            return status == 0
        except OSError:
            return False

    def _answer_call(self, conn: _Conn, message: transport.Message) -> bool:
        caller = conn.caller
        if conn.adopted and message.credentials is not None:
            caller = message.credentials
        try:
            call = wire.decode_call(message.data, len(message.fds))
        except wire.DecodeError as err:
            transport.close_all(message.fds)
            call_id = wire.call_id(message.data)
            log.debug("a malformed call on %s: %s", self.path, err)
            return call_id is not None and self._send_fault(conn, call_id, wire.Fault.BAD_MESSAGE)
        runtime_fds = message.fds[: call.memfd_count()]
        handler_fds = message.fds[call.memfd_count() :]
        try:
            answer = self._run_call(conn, call, runtime_fds, handler_fds, caller)
        finally:
            transport.close_all(runtime_fds)
        return self._send_answer(conn, call, answer)

    def _run_call(
        self,
        conn: _Conn,
        call: wire.Call,
        runtime_fds: List[int],
        handler_fds: List[int],
        caller: Credentials,
    ) -> _Outcome:
        """The runtime's checks and reserved operations, then the handler."""

        def refuse(fault: wire.Fault) -> _Outcome:
            transport.close_all(handler_fds)
            return _Outcome(Answer.fault(fault), [])

        if self._revoked:
            return refuse(wire.Fault.REVOKED)
        if call.op in (wire.Op.PING, wire.Op.CONNECT):
            if call.arg_len or call.leases or handler_fds:
                return refuse(wire.Fault.BAD_MESSAGE)
            if call.op == wire.Op.PING:
                return _Outcome(Answer.ok(), [])
            return _Outcome(self._connect_another(caller), [])
        if call.op == 0 or (call.op > wire.MAX_APPLICATION_OP and call.op != wire.Op.DESCRIBE):
            return refuse(wire.Fault.UNKNOWN_OPERATION)
        fds = iter(runtime_fds)
        if call.args_in_memfd:
            if call.arg_len > self.max_args:
                return refuse(wire.Fault.REQUEST_TOO_LARGE)
            try:
                args = transport.read_sealed(next(fds), call.arg_len)
            except (ValueError, OSError):
                return refuse(wire.Fault.BAD_MESSAGE)
        else:
            args = call.args or b""
        leases = []
        for index, spec in enumerate(call.leases):
            fd = next(fds) if spec.transport == wire.MEMFD else None
            if fd is not None:
                try:
                    transport.check_lease_memfd(fd, spec.length)
                except ValueError:
                    return refuse(wire.Fault.BAD_LEASE)
            leases.append(LeaseView(spec.access, spec.length, call.inline.get(index), fd))
        request = Request(call.op, args, list(handler_fds), caller, leases)
        return _Outcome(self._run_handler(request), leases)

    def _run_handler(self, request: Request) -> Answer:
        try:
            answer = self.handler(request)
        except LeaseError as err:
            held = _HANDLER_FAILED.passes()
            if held is not None:
                log.warning(
                    "a handler of %s went outside a lease: %s (%d held back)", self.path, err, held
                )
            return Answer.fault(wire.Fault.BAD_LEASE)
        except Exception:
            held = _HANDLER_FAILED.passes()
            if held is not None:
                log.exception(
                    "a handler of %s failed; the caller gets HANDLER_PANICKED (%d held back)",
                    self.path,
                    held,
                )
            return Answer.fault(wire.Fault.HANDLER_PANICKED)
        if isinstance(answer, (bytes, bytearray, memoryview)):
            return Answer.ok(bytes(answer))
        if not isinstance(answer, Answer):
            if _HANDLER_FAILED.passes() is not None:
                log.error("a handler of %s returned %r, not an Answer", self.path, type(answer))
            return Answer.fault(wire.Fault.HANDLER_PANICKED)
        return answer

    def _connect_another(self, caller: Credentials) -> Answer:
        ours, theirs = socket.socketpair(
            socket.AF_UNIX, socket.SOCK_SEQPACKET | socket.SOCK_CLOEXEC
        )
        if self._revoked or not self._admit(ours, adopted=True, uid=caller.uid):
            theirs.close()
            return Answer.fault(wire.Fault.REQUEST_TOO_LARGE)
        return Answer.ok(b"", [theirs.detach()])

    def _send_answer(self, conn: _Conn, call: wire.Call, outcome: _Outcome) -> bool:
        answer = outcome.answer
        try:
            if answer.status > wire.ERROR_MAX:
                return self._send_fault(conn, call.id, answer.status)
            returned = [lease.returned() for lease in outcome.leases]
            contents = [part for part in returned if part is not None]

            def encode(data_in_memfd: bool) -> bytes:
                return wire.encode_reply(
                    call.id,
                    answer.status,
                    answer.data,
                    fd_count=len(answer.fds),
                    lease_contents=contents,
                    data_in_memfd=data_in_memfd,
                )

            message = encode(False)
            fds = list(answer.fds)
            memfd = None
            if len(message) > conn.max_send:
                if not conn.session.capabilities & wire.Capability.MEMFD:
                    return self._send_fault(conn, call.id, wire.Fault.REPLY_TOO_LARGE)
                memfd = transport.sealed_memfd(answer.data)
                message = encode(True)
                if len(message) > conn.max_send:
                    os.close(memfd)
                    return self._send_fault(conn, call.id, wire.Fault.REPLY_TOO_LARGE)
                fds.insert(0, memfd)
            try:
                transport.send(conn.sock, message, fds)
            finally:
                if memfd is not None:
                    os.close(memfd)
            return True
        except OSError:
            return False
        finally:
            transport.close_all(answer.fds)

    def _send_fault(self, conn: _Conn, call_id: int, fault: int) -> bool:
        try:
            transport.send(conn.sock, wire.encode_fault(call_id, fault))
            return True
        except OSError:
            return False


class _Outcome:
    """A handler's answer, with the leases whose writable inline contents go back."""

    def __init__(self, answer: Answer, leases: List[LeaseView]) -> None:
        self.answer = answer
        self.leases = leases


def _timeval(seconds: float) -> bytes:
    whole = int(seconds)
    return struct.pack("ll", whole, int((seconds - whole) * 1_000_000))


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 4096):
            pass
    except BlockingIOError:
        pass


def _file_id(path: str) -> Optional[tuple]:
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _bind(path: str, mode: int) -> socket.socket:
    """A listening socket at ``path`` with permissions ``mode``: bound in a private
    directory, given its mode there, then renamed into place, so that nobody can connect
    while the permissions are wrong."""
    _clear_stale(path)
    parent = os.path.dirname(os.path.abspath(path))
    private = tempfile.mkdtemp(prefix=".ostium-", dir=parent)
    staged = os.path.join(private, "door")
    sock = transport.seqpacket()
    try:
        sock.bind(staged)
        os.chmod(staged, mode)
        sock.listen(1024)
        os.rename(staged, path)
    except BaseException:
        sock.close()
        raise
    finally:
        try:
            os.unlink(staged)
        except OSError:
            pass
        os.rmdir(private)
    return sock


def _clear_stale(path: str) -> None:
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(st.st_mode):
        raise FileExistsError(f"{path} exists and is not a socket")
    probe = transport.seqpacket()
    try:
        probe.connect(path)
    except ConnectionRefusedError:
        os.unlink(path)
        return
    finally:
        probe.close()
    raise DoorInUse(f"a door already answers at {path}")


def _listen_fd(name: Optional[str]) -> socket.socket:
    """The listening socket systemd (or ostiumd) handed over."""
    if os.environ.get("LISTEN_PID") != str(os.getpid()):
        raise RuntimeError("no socket was handed to this process (LISTEN_PID)")
    count = int(os.environ.get("LISTEN_FDS", "0"))
    names = os.environ.get("LISTEN_FDNAMES", "").split(":") if count else []
    for var in ("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"):
        os.environ.pop(var, None)
    candidates = list(range(3, 3 + count))
    if name is not None:
        candidates = [fd for fd, fd_name in zip(candidates, names) if fd_name == name]
    if len(candidates) != 1:
        raise RuntimeError(f"{count} sockets handed over, none or several named {name!r}")
    sock = socket.socket(fileno=candidates[0])
    if sock.family != socket.AF_UNIX or sock.type & 0xF != socket.SOCK_SEQPACKET:
        raise RuntimeError("the handed socket is not a Unix SOCK_SEQPACKET socket")
    os.set_inheritable(sock.fileno(), False)
    return sock
