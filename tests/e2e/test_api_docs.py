"""The API documentation page in a real browser: Swagger UI from our own static files renders
every operation under the site's Content Security Policy (no CDN, no inline script or style)."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_docs_page_renders_every_operation_without_a_csp_violation(page, live_server):
    problems, outside = [], []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(
        (live_server.url, "data:")) else None)  # fmt: skip
    page.goto(f"{live_server.url}/api/v1/docs/")
    page.locator(".opblock").first.wait_for(timeout=15000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/tickets/" in [p.replace("\u200b", "") for p in paths]
    assert page.locator(".opblock").count() >= 14
    assert not [p for p in problems if "Content Security Policy" in p], problems
    assert outside == []
