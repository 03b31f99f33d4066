"""The elastic thread pool of a door: leader/follower, growing only at a new peak of
concurrency, as ``crates/ostium/src/pool`` does for Rust doors.

One thread at a time, the *leader*, waits for work. When work comes, the leader hands
leadership to the most recently idle *follower* and does the work itself; if no follower is
idle, exactly one new thread is started to lead (never more than one pending), up to
``max_threads``. Idle followers wait in a stack (the warmest is woken first); those above
``min_threads`` retire after ``idle_timeout``. An idle pool is one leader blocked in its
wait and followers blocked without a timeout: no wakeups.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Callable, Generic, List, Optional, TypeVar

from .throttle import Throttle

log = logging.getLogger("ostium.pool")
_WORK_FAILED = Throttle()

Item = TypeVar("Item")

_WAIT, _LEAD, _EXIT, _RETIRED = range(4)


@dataclass(frozen=True)
class PoolStats:
    """A snapshot of a pool's threads."""

    #: Threads alive now, a pending one included.
    threads: int
    #: Threads idle now (not counting the leader).
    idle: int
    #: The most threads alive at once so far.
    peak: int


class _Follower:
    def __init__(self, lock: threading.Lock) -> None:
        self.signal = _WAIT
        self.wake = threading.Condition(lock)


class Pool(Generic[Item]):
    """Runs ``next_item`` (leader only; ``None`` stops the pool) and ``handle`` (any number
    of threads at once) on threads that follow the concurrency of the work."""

    def __init__(
        self,
        next_item: Callable[[], Optional[Item]],
        handle: Callable[[Item], None],
        *,
        min_threads: int = 1,
        max_threads: int = 64,
        idle_timeout: float = 10.0,
        name: str = "ostium-door",
    ) -> None:
        self._next = next_item
        self._handle = handle
        self.min_threads = max(1, min_threads)
        self.max_threads = max(self.min_threads, max_threads)
        self.idle_timeout = idle_timeout
        self._name = name
        self._lock = threading.Lock()
        self._exited = threading.Condition(self._lock)
        self._leader = True
        self._lead_reserved = True
        self._idle: List[_Follower] = []
        self._threads = 1
        self._pending = True
        self._peak = 1
        self._stopping = False
        self._spawn()

    def stats(self) -> PoolStats:
        """How many threads the pool has, idle, and at most."""
        with self._lock:
            return PoolStats(self._threads, len(self._idle), self._peak)

    def wait_stopped(self, timeout: Optional[float] = None) -> bool:
        """Waits until every thread has exited (after ``next_item`` returned ``None`` and
        the work in progress finished); whether they have."""
        with self._lock:
            return self._exited.wait_for(lambda: self._threads == 0, timeout)

    def _spawn(self) -> None:
        thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        try:
            thread.start()
        except RuntimeError as err:
            log.warning("could not start a door thread: %s", err)
            with self._lock:
                self._threads -= 1
                self._pending = False
                if self._lead_reserved:
                    self._lead_reserved = False
                    self._hand_lead()

    def _run(self) -> None:
        with self._lock:
            self._pending = False
            if self._stopping:
                self._exit_locked()
                return
            leading = self._lead_reserved
            self._lead_reserved = False
        me = _Follower(self._lock)
        while True:
            if not leading:
                signal = self._follow(me)
                if signal == _RETIRED:
                    return
                if signal == _EXIT:
                    with self._lock:
                        self._exit_locked()
                    return
            item = self._next()
            if item is None:
                self._stop()
                with self._lock:
                    self._exit_locked()
                return
            self._promote_next()
            try:
                self._handle(item)
            except Exception:  # the pool outlives any one item's failure
                if _WORK_FAILED.passes() is not None:
                    log.exception("a door thread's work failed; the thread goes on")
            leading = False

    def _follow(self, me: _Follower) -> int:
        with self._lock:
            if self._stopping:
                return _EXIT
            if not self._leader:
                self._leader = True
                return _LEAD
            if self._lead_reserved:
                # The new thread has not begun: lead in its place.
                self._lead_reserved = False
                return _LEAD
            me.signal = _WAIT
            self._idle.append(me)
            while me.signal == _WAIT:
                if self._threads <= self.min_threads:
                    me.wake.wait()
                    continue
                if not me.wake.wait(self.idle_timeout) and me.signal == _WAIT:
                    if self._threads > self.min_threads and me in self._idle:
                        self._idle.remove(me)
                        self._threads -= 1
                        self._exited.notify_all()
                        return _RETIRED
            return me.signal

    def _promote_next(self) -> None:
        with self._lock:
            if self._idle:
                follower = self._idle.pop()
                follower.signal = _LEAD
                follower.wake.notify()
                return
            grow = self._threads < self.max_threads and not self._pending and not self._stopping
            if not grow:
                # Every thread is busy: the next to finish its work leads.
                self._leader = False
                return
            self._threads += 1
            self._peak = max(self._peak, self._threads)
            self._pending = True
            self._lead_reserved = True
        self._spawn()

    def _hand_lead(self) -> None:
        """The lead was reserved for a thread that will not come (lock held)."""
        if self._idle:
            follower = self._idle.pop()
            follower.signal = _LEAD
            follower.wake.notify()
        else:
            self._leader = False

    def _stop(self) -> None:
        with self._lock:
            self._stopping = True
            self._leader = False
            for follower in self._idle:
                follower.signal = _EXIT
                follower.wake.notify()
            self._idle.clear()

    def _exit_locked(self) -> None:
        self._threads -= 1
        self._exited.notify_all()
