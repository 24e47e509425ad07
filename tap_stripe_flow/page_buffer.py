"""Where a stream's fetched pages wait for their turn to be written, bounded in bytes.

singer-sdk writes streams one after the other while ``fetch.py`` fetches them side by side: each
stream's pages wait in a FIFO of their own, bounded by the bytes of their bodies, and streams not
yet being written may also fill a space shared by all, so memory stays flat.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Final

from tap_stripe_flow.pagination import Delivered, StripePage

#: A fetched page and the token it answers.
Page = tuple[Delivered, StripePage]

#: A stream's fetched pages wait for their turn up to this many bytes of body (at least one
#: page): many small pages (one customer's balance transactions) or a few full ones (charges).
BUFFERED_BYTES_PER_STREAM: Final = 1 << 19
#: Beyond that, streams share this many bytes: while one slow stream is written (a request per
#: customer), the others are fetched ahead instead of waiting for their turn, which in the
#: all-streams benchmark left the end of the run to a few streams and far below the budget.
SHARED_BUFFERED_BYTES: Final = 32 << 20


class End:
    """Marks the end of a stream's pages."""


END: Final = End()


class BufferSpace:
    """The bytes of page bodies that the streams' buffers may hold beyond their own share."""

    def __init__(self, limit: int = SHARED_BUFFERED_BYTES) -> None:
        self.limit = limit
        self.used = 0
        self.changed = threading.Condition()


class PageBuffer:
    """A FIFO of a stream's fetched pages, bounded by the bytes of their bodies.

    ``put`` waits while the buffer holds ``limit`` bytes or more (an item is always accepted
    into a buffer under its limit, so one large page never blocks for ever, and a buffer exceeds
    its bounds by at most a page); errors and the end mark never wait.
    Until its stream is being read, a buffer may also fill the shared space: a stream that
    waits for its turn is fetched ahead, while the stream being written needs no more than its
    own share (it is drained as fast as it fills) and memory stays flat however large it is.
    Bytes beyond ``limit`` count against the shared space.
    """

    def __init__(self, limit: int, shared: BufferSpace | None = None) -> None:
        self._limit = limit
        self._shared = shared or BufferSpace(0)
        self._changed = self._shared.changed  # one condition: any buffer's get may free space
        self._items: deque[Page | BaseException | End] = deque()
        self._bytes = 0
        self._reading = False  # the stream's pages are being read (its turn has come)
        self._closed = False  # nobody will read them any more

    def _borrowed(self, size: int) -> int:
        """Shared bytes held while this buffer holds ``size`` bytes."""
        return max(0, size - self._limit)

    def put(self, item: Page | BaseException | End) -> None:
        size = len(item[1].body) if isinstance(item, tuple) else 0
        shared = self._shared
        with self._changed:
            while size and self._items and self._bytes >= self._limit and not self._closed:
                extra = self._borrowed(self._bytes + size) - self._borrowed(self._bytes)
                if not self._reading and shared.used + extra <= shared.limit:
                    break
                self._changed.wait()
            if self._closed:
                return
            shared.used += self._borrowed(self._bytes + size) - self._borrowed(self._bytes)
            self._items.append(item)
            self._bytes += size
            self._changed.notify_all()

    def get(self) -> Page | BaseException | End:
        with self._changed:
            self._reading = True
            while not self._items:
                self._changed.wait()
            item = self._items.popleft()
            if isinstance(item, tuple):
                size = len(item[1].body)
                self._shared.used -= self._borrowed(self._bytes) - self._borrowed(
                    self._bytes - size
                )
                self._bytes -= size
            self._changed.notify_all()
            return item

    def close(self) -> None:
        """Nobody reads on (the stream failed or was skipped): drop what is buffered, give its
        shared space back, and let every ``put`` return at once."""
        with self._changed:
            self._closed = True
            self._shared.used -= self._borrowed(self._bytes)
            self._items.clear()
            self._bytes = 0
            self._changed.notify_all()
