"""A fixed set of component instances shared by threads: a call takes a free one, or waits.

An instance lost to a trap whose replacement could not be built is rebuilt by the next call
that needs one (`factory`)."""

from __future__ import annotations

import threading
from typing import Callable, Generic, TypeVar

T = TypeVar("T")

__all__ = ["Pool"]


class Pool(Generic[T]):
    def __init__(self, items: list[T], factory: Callable[[], T]):
        self._free = list(items)
        self._missing = 0
        self._factory = factory
        self._cond = threading.Condition(threading.Lock())

    def take(self) -> T:
        """A free instance (blocking while all are busy); raises if one must be rebuilt and
        cannot be."""
        with self._cond:
            while not self._free and not self._missing:
                self._cond.wait()
            if self._free:
                item = self._free.pop()
            else:
                self._missing -= 1
                item = None
        if item is None:
            try:
                item = self._factory()
            except BaseException:
                self.give(None)
                raise
        return item

    def give(self, item: T | None) -> None:
        """Returns an instance taken with `take` (None: it was lost)."""
        with self._cond:
            if item is None:
                self._missing += 1
            else:
                self._free.append(item)
            self._cond.notify()
