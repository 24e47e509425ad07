"""The fixture connector, with the tap's catalog computed in the connector's own process
(``ConnectorDefinition.discover``): ``python -m tests.flow_fixtures.inprocess_connector``."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from flow_adapter import main
from tests.flow_fixtures.connector import DEFINITION as SUBPROCESS_DEFINITION
from tests.flow_fixtures.fixture_tap import TapFixture


def discover(tap_config: Mapping[str, Any]) -> dict[str, Any]:
    """What ``fixture_tap --discover`` prints, without starting it."""
    return TapFixture(config=dict(tap_config), validate_config=False).catalog_dict


DEFINITION = dataclasses.replace(SUBPROCESS_DEFINITION, discover=discover)

if __name__ == "__main__":
    main(DEFINITION)
