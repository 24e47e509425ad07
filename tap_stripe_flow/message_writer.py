"""Writing Singer messages fast: orjson lines into a large buffer, flushed at each STATE.

singer-sdk's default writer encodes with simplejson and flushes stdout after every message; the
benchmark (``python -m bench``) measured that at a fifth of the tap's time, and the flush makes the
reader (the Flow adapter) wake once per record. Records are only committed by a later STATE, so
holding them in the buffer until then loses nothing that was promised.

``StateLineWriter`` writes a STATE message unless its line is the one written last, as
singer-sdk's ``StateWriter`` does, but remembers a digest of that line instead of a deep copy
of the state (see its docstring for the figures).
"""

from __future__ import annotations

import atexit
import hashlib
import io
import os
import sys
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, BinaryIO, Final

import orjson
from singer_sdk.helpers._state import StateWriter
from singer_sdk.helpers.types import TapState
from singer_sdk.singerlib.encoding.base import GenericSingerWriter
from singer_sdk.singerlib.encoding.simple import Message, RecordMessage, StateMessage
from singer_sdk.singerlib.messages import SingerMessageType
from typing_extensions import Buffer, override

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
        if isinstance(message, StateMessage):
            # not ``to_dict``: its ``dataclasses.asdict`` copies the whole state (at 10,000
            # connected accounts x 22 streams: 35 MB and 0.8 s per STATE)
            line = {"type": SingerMessageType.STATE, "value": message.value}
            return orjson.dumps(line, option=orjson.OPT_APPEND_NEWLINE)
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

    def write_line(self, line: bytes) -> None:
        """Write one encoded message that is not a RECORD (``format_message``'s), and flush."""
        self.out.write(line)
        self.out.flush()


class StateLineWriter(StateWriter):
    """singer-sdk's ``StateWriter`` (a STATE message only when the state changed) without its
    deep copy.

    singer-sdk keeps ``copy.deepcopy`` of the last state written to compare the next one with:
    a second copy of the whole state, made anew at each STATE. A Connect platform's state holds
    every connected account's stream states; at 10,000 accounts x 22 streams (41 MB of state
    in memory) the copy measured 35 MB and 1.3 s of CPU per STATE (every 5 s while accounts
    are read). This writer encodes the state once, compares a 16-byte digest of the line with
    the last one's, and writes the line it encoded: the same messages, no copy.
    """

    def __init__(self, writer: BufferedJsonWriter) -> None:
        super().__init__(writer)
        self._writer = writer
        self._last_digest: bytes | None = None

    @override
    def write_state(self, state: TapState) -> None:
        line = self._writer.format_message(StateMessage(value=state))
        digest = hashlib.blake2b(line, digest_size=16).digest()
        if digest != self._last_digest:
            self._writer.write_line(line)
            self._last_digest = digest
