"""Errors the adapter reports to the user.

Every `AdapterError` ends a connector run with its message as the last stderr log line and a
non-zero exit code; none of them is ever shown as a traceback.
"""

from __future__ import annotations


class AdapterError(Exception):
    """An error whose message is fit to show the user as-is."""


class ConfigError(AdapterError):
    """The endpoint configuration is invalid (raised by `ConnectorDefinition.to_tap_config`)."""


class ConnectionCheckError(AdapterError):
    """The source rejected the configured credentials or is unreachable (raised by
    `ConnectorDefinition.check_connection`)."""


class ProtocolError(AdapterError):
    """A request on stdin is not valid Flow capture protocol."""


class StateError(AdapterError):
    """The connector state handed to `open` is not the shape this adapter writes."""


class TapError(AdapterError):
    """The Singer tap failed or produced output the adapter cannot use."""


class BindingError(AdapterError):
    """A binding names a stream the tap doesn't have, or a sync mode the stream can't do."""
