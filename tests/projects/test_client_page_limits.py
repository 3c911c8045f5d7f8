"""The client's standing project page takes a bounded number of wishes a day."""

from __future__ import annotations

import pytest

from projects.models import ChangeRequest
from tests.projects import test_client_pages

pytestmark = pytest.mark.django_db

project = test_client_pages.project  # fixtures
project_page = test_client_pages.project_page


def test_the_page_takes_at_most_the_daily_number_of_wishes_and_keeps_what_was_typed(project_page, settings):
    settings.CLIENT_PAGE_WISHES_PER_DAY = 3
    browser, page_url = project_page
    for n in range(3):
        assert browser.post(page_url, {"wish-title": f"Wish {n}", "wish-description": ""}).status_code == 302
    refused = browser.post(page_url, {"wish-title": "One more <b>idea</b>", "wish-description": "Typed with care."})
    assert refused.status_code == 422
    body = refused.content.decode()
    assert "the most for one day" in body
    assert "One more &lt;b&gt;idea&lt;/b&gt;" in body and "Typed with care." in body  # nothing typed is lost
    assert ChangeRequest.objects.count() == 3
