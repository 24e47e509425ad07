"""``tap-stripe-flow`` / ``python -m tap_stripe_flow``: singer-sdk's command line for the tap.

A Stripe error that ends the run (a refused key, retries exhausted) is reported as one log line
and exit code 1 instead of a traceback: the message already says what is wrong.
"""

from __future__ import annotations

import logging
import sys

import requests
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

from tap_stripe_flow.progress import close_all
from tap_stripe_flow.tap import TapStripeFlow


def main() -> None:
    """Run the tap's CLI."""
    try:
        TapStripeFlow.cli()
    except (FatalAPIError, RetriableAPIError, requests.RequestException) as exc:
        close_all()
        logging.getLogger(TapStripeFlow.name).error("Sync failed: %s", exc)
        sys.exit(1)


if __name__ == "__main__":
    main()
