"""The query guards' shared set-up (test_query_guards.py, test_query_guards_public.py)."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine

from contracts import invoices

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def _no_pdfs(monkeypatch):
    """Issued invoices without WeasyPrint: no page here reads a PDF, and the files stay fast."""
    monkeypatch.setattr(invoices, "get_document", lambda reference: SimpleNamespace(content=b"%PDF-"))


@pytest.fixture
def frozen():
    with time_machine.travel(datetime(2026, 11, 26, 10, 0, tzinfo=AMS), tick=False) as traveller:
        yield traveller
