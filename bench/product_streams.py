"""The product's stream declarations as the benchmarks read them (``tap_stripe_flow.streams``).

singer-sdk types a stream's ``path`` as an instance attribute; the benchmarks read it off the
class, as the declarations set it.
"""

from __future__ import annotations

from tap_stripe_flow.child_streams import StripeChildStream
from tap_stripe_flow.client import StripeStream
from tap_stripe_flow.streams import STREAMS

CHILD_STREAMS: dict[str, type[StripeChildStream]] = {
    name: t for name, t in sorted(STREAMS.items()) if issubclass(t, StripeChildStream)
}
"""Every child stream by name, in name order."""


def stream_path(stream_type: type[StripeStream]) -> str:
    """The list a stream's class reads (a child stream's has ``{parent_id}`` in it)."""
    return next(str(vars(c)["path"]) for c in stream_type.__mro__ if "path" in vars(c))


def list_path(stream_type: type[StripeStream]) -> str:
    """The list a run of the stream starts from: its parent's list, or its own."""
    if issubclass(stream_type, StripeChildStream):
        return stream_type.parent_path
    return stream_path(stream_type)
