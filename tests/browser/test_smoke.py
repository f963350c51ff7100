"""Smoke test: Chromium reaches the live server and the health check answers "ok"."""

from __future__ import annotations

from playwright.sync_api import Page


def test_healthz_answers_ok_in_the_browser(live_server, page: Page) -> None:
    response = page.goto(live_server.url + "/healthz")
    assert response is not None
    assert response.status == 200
    assert response.json()["status"] == "ok"
    assert '"ok"' in page.locator("body").inner_text()
