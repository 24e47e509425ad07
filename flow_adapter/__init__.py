"""Flow capture adapter: wraps any Singer tap as an Estuary Flow capture connector."""
