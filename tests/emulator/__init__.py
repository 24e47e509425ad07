"""The emulator: as strict as Stripe, and its limits."""
