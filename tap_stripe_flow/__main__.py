"""``tap-stripe-flow`` / ``python -m tap_stripe_flow``: singer-sdk's command line for the tap.

A Stripe error that ends the run (a refused key, retries exhausted) is reported as one log line
and exit code 1 instead of a traceback: the message already says what is wrong. Once the run is
over, a SIGTERM (the Flow adapter stopping a pass that has just finished) is ignored: singer-sdk's
handler would raise ``SystemExit`` inside the exit callbacks that log the summary and flush the
output, which prints a traceback and cuts them short.
"""

from __future__ import annotations

import logging
import signal
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
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the run is over (module docstring)


if __name__ == "__main__":
    main()
