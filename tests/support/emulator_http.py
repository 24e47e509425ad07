"""Talking to the emulator as a plain HTTP client does (the emulator's own tests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests

from stripe_emulator import Emulator
from stripe_emulator.resources import RESOURCES

#: The list path of each top-level type.
TOP_PATHS = {r.object: r.path for r in RESOURCES.values() if r.top_level}


@contextmanager
def stripe_session(key: str) -> Iterator[requests.Session]:
    """A session sending ``key`` and the pinned API version, as the connector does."""
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {key}"
        session.headers["Stripe-Version"] = "2024-06-20"
        yield session


def get(http: requests.Session, emu: Emulator, path: str, **params: Any) -> requests.Response:
    return http.get(emu.url + path, params=params, timeout=10)


def list_all(http: requests.Session, emu: Emulator, path: str, **params: Any) -> list[Any]:
    """Every object of a list, following ``starting_after`` while ``has_more``; each page is a
    200 with exactly Stripe's list fields."""
    out: list[Any] = []
    while True:
        resp = get(http, emu, path, **params)
        assert resp.status_code == 200, (path, resp.text)
        body = resp.json()
        assert set(body) == {"object", "data", "has_more", "url"}
        assert body["object"] == "list"
        out += body["data"]
        if not body["has_more"]:
            return out
        params["starting_after"] = body["data"][-1]["id"]


def walk(http: requests.Session, emu: Emulator, path: str, **params: Any) -> list[Any]:
    """Every object of a list, in pages of 100 (one page where the list has no pages)."""
    paged = path != "/v1/reporting/report_types"
    return list_all(http, emu, path, **{**({"limit": 100} if paged else {}), **params})


def error_of(resp: requests.Response, status: int) -> dict[str, Any]:
    """The error body of a response of ``status``, an ``invalid_request_error``."""
    assert resp.status_code == status, resp.text
    error: dict[str, Any] = resp.json()["error"]
    assert error["type"] == "invalid_request_error"
    return error
