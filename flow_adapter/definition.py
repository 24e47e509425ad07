"""The one configuration point of the adapter: what tap to run and how to configure it.

A connector is a `ConnectorDefinition` handed to `flow_adapter.run`; the adapter itself knows
nothing about any particular source.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flow_adapter.shards import ShardRange


def identity_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """Use the endpoint config unchanged as the tap config."""
    return dict(config)


@dataclass(frozen=True)
class ConnectorDefinition:
    """Describes a Singer tap wrapped as a Flow capture connector.

    Attributes:
        tap_command: argv that runs the Singer tap; the adapter appends the usual singer-sdk
            options (``--config F --discover`` or ``--config F --catalog F --state F``).
        config_schema: the endpoint config JSON schema answered in ``spec``; secret properties
            must carry ``"secret": true`` (their values are then scrubbed from every log line).
        documentation_url: answered in ``spec``.
        to_tap_config: turns the endpoint config into the tap config; raises
            `flow_adapter.ConfigError` with a clear message when the endpoint config is invalid.
        check_connection: called by ``validate`` with the *tap* config; raises
            `flow_adapter.ConnectionCheckError` with a clear message when the source is unusable.
        secret_fields: tap-config keys (at any depth) whose values must never appear in output.
        tap_env: extra environment variables for the tap process.
        structured_tap_logs: ask a singer-sdk tap for JSON logs (``SINGER_SDK_LOG_CONFIG``);
            text logs are understood too, so turning this off only changes the relay's input.
        discover: the tap's catalog for a tap config, computed in this process, where that is
            cheaper than starting the tap with ``--discover`` (a Python tap's start is about half
            a second, paid by every discover, validate and open). It must return what
            ``--discover`` prints, parsed; when None, the tap is run.
        stop_grace_seconds: how long a tap may take to exit after SIGTERM before it is killed.
        pass_interval: the seconds an ``open`` session waits between two passes of the tap, read
            from the *endpoint* config (after ``to_tap_config`` accepted it); None means one pass,
            then exit (the runtime re-opens the capture after its ``intervalSeconds``). Without
            this hook every session is one pass. A session with an interval stays open: after
            each pass that exits 0 it waits, then runs the tap again with the state checkpointed
            so far, until EOF on stdin, SIGTERM or a failure.
        share_budget: the tap config of a shard that owns ``share`` (0 < share < 1) of a split
            capture (``shards.py``): the tap's request budget scaled to that share, so that the
            shards together stay within the capture's budget. None: the config is not changed.
        divide_shard: the tap config of a shard that owns ``range`` of a split capture, for a tap
            that divides the capture's work itself (by units of its own, such as a platform's
            accounts): every shard then runs every binding, and the tap reads its share, within
            its part of the request budget. None (or the hook answering None for this config):
            the adapter divides the bindings between the shards, and applies ``share_budget``.
        records_last: the tap promises that each RECORD line is
            ``{"type":"RECORD","stream":"<name>"[,"version":N][,"time_extracted":"<ts>"],"record":{...}}``
            with ``record`` last: the adapter then copies the record's bytes into the document
            instead of parsing and re-encoding them (the hot path's main cost).
    """

    tap_command: Sequence[str]
    config_schema: Mapping[str, Any]
    documentation_url: str
    to_tap_config: Callable[[Mapping[str, Any]], dict[str, Any]] = identity_config
    check_connection: Callable[[Mapping[str, Any]], None] | None = None
    discover: Callable[[Mapping[str, Any]], Any] | None = None
    secret_fields: Sequence[str] = ()
    tap_env: Mapping[str, str] = field(default_factory=dict)
    structured_tap_logs: bool = True
    stop_grace_seconds: float = 3.0
    records_last: bool = False
    pass_interval: Callable[[Mapping[str, Any]], float | None] | None = None
    share_budget: Callable[[Mapping[str, Any], float], dict[str, Any]] | None = None
    divide_shard: Callable[[Mapping[str, Any], ShardRange], dict[str, Any] | None] | None = None
