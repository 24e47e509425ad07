"""``python -m bench``: run the benchmark scenarios."""

import sys

from bench.run import main

sys.exit(main())
