"""Test helpers for `flow_adapter`: a tiny offline Singer tap and a connector wrapping it."""
