"""Writing Singer messages fast: orjson lines into a large buffer, flushed at each STATE.

singer-sdk's default writer encodes with simplejson and flushes stdout after every message; the
benchmark (``python -m bench``) measured that at a fifth of the tap's time, and the flush makes the
reader (the Flow adapter) wake once per record. Records are only committed by a later STATE, so
holding them in the buffer until then loses nothing that was promised.
"""

from __future__ import annotations

import atexit
import io
import os
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, BinaryIO, Final

import orjson
from singer_sdk.singerlib.encoding.base import GenericSingerWriter
from singer_sdk.singerlib.encoding.simple import Message, RecordMessage
from singer_sdk.singerlib.messages import SingerMessageType
from typing_extensions import Buffer

BUFFER_BYTES: Final = 1 << 20


class BufferedJsonWriter(GenericSingerWriter[bytes, Message]):
    """Singer messages as orjson lines on stdout; everything but a RECORD flushes the buffer."""

    def __init__(self) -> None:
        self._out: BinaryIO | None = None

    @property
    def out(self) -> BinaryIO:
        """Our own large buffer over stdout's file, or stdout's buffer when it has no file (a
        test that captures it)."""
        if self._out is None:
            sys.stdout.flush()  # nothing written before may come after our lines
            try:
                fd = os.dup(sys.stdout.fileno())
            except (AttributeError, OSError, io.UnsupportedOperation):
                self._out = sys.stdout.buffer
            else:
                self._out = io.BufferedWriter(io.FileIO(fd, "w"), buffer_size=BUFFER_BYTES)
                # Closing flushes; a file left open at exit is a ResourceWarning, which Meltano
                # (PYTHONWARNINGS=once) shows on every run as a warning from the tap.
                atexit.register(self._out.close)
        return self._out

    def serialize_message(self, message: Message) -> bytes:
        if isinstance(message, RecordMessage):
            head = self._record_head(message.stream, message.time_extracted, message.version)
            return head + orjson.dumps(message.record, option=orjson.OPT_UTC_Z) + b"}\n"
        return orjson.dumps(message.to_dict(), option=orjson.OPT_APPEND_NEWLINE)

    @staticmethod
    def _record_head(stream: str, extracted: datetime | None, version: int | None = None) -> bytes:
        """A RECORD line up to its ``"record":`` value.

        "record" goes last: the Flow adapter then takes its bytes without parsing them
        (``ConnectorDefinition.records_last``).
        """
        line: dict[str, Any] = {"type": "RECORD", "stream": stream}
        if version is not None:
            line["version"] = version
        if extracted is not None:
            line["time_extracted"] = extracted
        return orjson.dumps(line, option=orjson.OPT_UTC_Z)[:-1] + b',"record":'

    def write_records(
        self, stream: str, records: Iterable[dict[str, Any]], extracted: datetime
    ) -> None:
        """Write one RECORD message per record, as ``write_message`` would, in one call."""
        head = self._record_head(stream, extracted)
        utc_z = orjson.OPT_UTC_Z
        self.out.write(
            b"".join(head + orjson.dumps(record, option=utc_z) + b"}\n" for record in records)
        )

    def write_raw_records(
        self, stream: str, records: Sequence[Buffer], extracted: datetime, *, lead: bytes = b""
    ) -> None:
        """``write_records`` for records already encoded: each one a compact JSON object with at
        least one field; ``lead`` (``"name":value,``) goes in first, after its opening brace."""
        head = self._record_head(stream, extracted)
        if lead:
            head += b"{" + lead
            records = [memoryview(record)[1:] for record in records]
        tail = b"}\n" + head
        self.out.write(head + tail.join(records) + b"}\n" if records else b"")

    def write_message(self, message: Message) -> None:
        self.out.write(self.format_message(message))
        if message.type != SingerMessageType.RECORD:
            self.out.flush()
