"""Flow adapter: any Singer tap as an Estuary Flow capture connector.

Describe the tap with a `ConnectorDefinition` and serve the Flow capture protocol with
`run(definition, stdin, stdout)` (or `main(definition)` from a console script). The adapter
knows nothing about any particular source.
"""

from flow_adapter.definition import ConnectorDefinition
from flow_adapter.errors import ConfigError, ConnectionCheckError
from flow_adapter.runner import main, run

__all__ = ["ConfigError", "ConnectionCheckError", "ConnectorDefinition", "main", "run"]
