"""End to end: the Flow connector, Meltano, warehouses, the README, the image, the bench."""
