"""Clause texts can use a fixed list of placeholders and nothing else."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from contracts.placeholders import Table, errors_in, plain, render, validate_clause_body

VALUES = {"client.name": "Bakkerij <Één> & Zonen", "payment_term": "30"}
TABLES = {name: Table(["A", "B"], [["<b>x</b>", "y"]]) for name in ("phases", "risks", "rates", "surcharges")}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("body", "line", "what"),
    [
        ("Fine.\n{% load static %}", 2, "template tags"),
        ("{% include 'secret.html' %}", 1, "template tags"),
        ("Key: {{ settings.SECRET_KEY }}", 1, "unknown placeholder {{ settings.SECRET_KEY }}"),
        ("A\nB\n{{ client.delete }}", 3, "unknown placeholder {{ client.delete }}"),
        ("{{ ''.__class__ }}", 1, "unknown placeholder"),
        ("{{ client.name|upper }}", 1, "unknown placeholder"),
        ("{{ client.name.__class__.__mro__ }}", 1, "unknown placeholder"),
        ("{# comment #}", 1, "template tags"),
        ("Unclosed {{ client.name", 1, "not closed"),
        ("Inline table {{ phases }} here", 1, "put it on a line of its own"),
    ],
)
def test_injection_attempts_are_refused_with_the_line_number(body, line, what):
    problems = errors_in(body)
    assert problems, body
    assert any(p.startswith(f"Line {line}:") and what in p for p in problems), problems
    with pytest.raises(ValidationError):
        validate_clause_body(body)
    with pytest.raises(ValidationError):
        render(body, VALUES, TABLES)


def test_known_placeholders_are_filled_and_escaped():
    html = str(render("Client: {{ client.name }}, term {{payment_term}} days.", VALUES, TABLES))
    assert html == "<p>Client: Bakkerij &lt;Één&gt; &amp; Zonen, term 30 days.</p>"


def test_html_typed_in_a_clause_is_shown_as_text():
    html = str(render('<script>alert(1)</script> <img src=x onerror="alert(2)">', VALUES, TABLES))
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_paragraphs_lists_and_tables():
    body = "First line\nsecond line\n\n- one\n- two\n\n{{ phases }}"
    html = str(render(body, VALUES, TABLES))
    assert "<p>First line<br>second line</p>" in html
    assert "<ul><li>one</li><li>two</li></ul>" in html
    assert "<td>&lt;b&gt;x&lt;/b&gt;</td>" in html  # table cells are escaped too
    assert plain(body, VALUES, TABLES).endswith("A | B\n<b>x</b> | y")
