"""Developer commands, run as ``python -m scripts.<name>``: the demo and the generators of the
tap's schemas and the emulator's templates (from Stripe's OpenAPI files)."""
