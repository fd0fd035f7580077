"""Headless Debian Chromium driven by Playwright (never a downloaded browser build)."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@contextmanager
def chromium(extra_args: tuple[str, ...] = ()) -> Iterator[Any]:
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Chromium is required under CI=true (apt-get install chromium)")
        pytest.skip("Chromium not installed")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between page actions are ordinary synchronous calls.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[*ARGS, *extra_args])
        try:
            yield browser
        finally:
            browser.close()


def log_in(page: Any, base_url: str, username: str, password: str) -> None:
    """Sign in through the login form and wait for the caseload."""
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_selector("#caseload")


def csp_violations(page: Any) -> list[str]:
    """The Content-Security-Policy reports ``page`` logs from now on (Chromium writes one console
    message per blocked script, style, connection, image or frame); the list fills as the page runs."""
    seen: list[str] = []
    # Chromium spells it "Content Security Policy" for blocked resources, "... policy" for WebAssembly.
    page.on("console", lambda m: seen.append(m.text) if "content security policy" in m.text.lower() else None)
    return seen


def wait_until(page: Any, expression: str, *, timeout_ms: float = 30_000, interval_ms: float = 100) -> None:
    """Poll the JavaScript ``expression`` in ``page`` until it is truthy.

    Instead of Playwright's ``wait_for_function``, which evaluates its predicate with ``eval()``
    inside the page, where the Content-Security-Policy (no 'unsafe-eval') refuses it;
    ``page.evaluate`` goes through the DevTools protocol, which the policy does not govern.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{expression!r} still false after {timeout_ms:.0f} ms")
        page.wait_for_timeout(interval_ms)  # lets Playwright deliver events (console, WebSocket) meanwhile
