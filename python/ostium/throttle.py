"""``Throttle``: at most a few log lines per interval from one place, with a count of those
held back, so that no client can flood the log by repeating what makes a line."""

from __future__ import annotations

import threading
import time
from typing import Optional


class Throttle:
    """Lets ``burst`` events through per ``interval`` seconds."""

    def __init__(self, interval: float = 1.0, burst: int = 1) -> None:
        self.interval = interval
        self.burst = burst
        self._lock = threading.Lock()
        self._window = float("-inf")
        self._passed = 0
        self._held = 0

    def passes(self) -> Optional[int]:
        """How many events were held back before this one, if this one is let through;
        ``None`` if it is held back."""
        now = time.monotonic()
        with self._lock:
            if now - self._window >= self.interval:
                self._window, self._passed = now, 0
            if self._passed >= self.burst:
                self._held += 1
                return None
            self._passed += 1
            held, self._held = self._held, 0
            return held
