"""Replay stores: where used `jti`s are recorded (the component's `replay-insert` import).

A store is any object with `insert(key: str, expires_at: int, now: int) -> bool`: record `key`
until `expires_at` (Unix seconds) and answer True if it was new, False if it is already
recorded and not yet expired. It must be atomic across threads (and across processes, for a
shared store). Raising any exception means "the store could not answer": the component then
fails closed (`replay_store_unavailable`).
"""

from __future__ import annotations

import heapq
import threading
from typing import Any, Protocol

__all__ = ["ReplayStore", "MemoryReplayStore", "RedisReplayStore", "ReplayStoreFull"]


class ReplayStore(Protocol):
    def insert(self, key: str, expires_at: int, now: int) -> bool: ...


class ReplayStoreFull(RuntimeError):
    """The in-memory store holds `max_entries` unexpired keys: it refuses to forget one."""


class MemoryReplayStore:
    """A bounded in-memory store for one process (the default). Expired keys are dropped
    when room is needed; when `max_entries` keys are all still live it raises
    ReplayStoreFull (the component fails closed) rather than forget a live key."""

    def __init__(self, max_entries: int = 100_000):
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.max_entries = max_entries
        self._expiry: dict[str, int] = {}
        self._heap: list[tuple[int, str]] = []  # (expires_at, key), possibly stale
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._expiry)

    def insert(self, key: str, expires_at: int, now: int) -> bool:
        with self._lock:
            seen = self._expiry.get(key)
            if seen is not None and seen >= now:
                return False
            if seen is None and len(self._expiry) >= self.max_entries:
                self._drop_expired(now)
                if len(self._expiry) >= self.max_entries:
                    raise ReplayStoreFull(f"replay store full ({self.max_entries} live keys)")
            self._expiry[key] = expires_at
            heapq.heappush(self._heap, (expires_at, key))
            return True

    def _drop_expired(self, now: int) -> None:
        heap, expiry = self._heap, self._expiry
        while heap and heap[0][0] < now:
            exp, key = heapq.heappop(heap)
            if expiry.get(key) == exp:
                del expiry[key]


class RedisReplayStore:
    """A store shared by every process: any Redis client with
    `set(name, value, nx=True, exat=...)` (redis-py's `redis.Redis`, or a cluster client).
    `SET key 1 NX EXAT expires_at` is atomic: True when the key was set, None when present."""

    def __init__(self, client: Any, prefix: str = "xaa:jti:"):
        self.client = client
        self.prefix = prefix

    def insert(self, key: str, expires_at: int, now: int) -> bool:
        # EXAT must lie in the future: a key already past its expiry is kept one second.
        return bool(self.client.set(self.prefix + key, "1", nx=True,
                                    exat=max(int(expires_at), int(now) + 1)))
