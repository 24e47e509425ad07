"""Stripe tap."""
