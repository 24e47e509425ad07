"""flow_adapter around a fixture tap: the protocol, the session, the tap process."""
