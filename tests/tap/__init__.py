"""The Singer tap against the emulator: streams, state, changes, errors, fetching."""
