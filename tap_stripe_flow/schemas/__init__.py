"""Generated JSON schemas of the streams (scripts/generate_schemas.py)."""
