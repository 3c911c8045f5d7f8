from __future__ import annotations

import re

import pytest
from django.utils import translation

from freelance.lib.pdf import PDF_A3B, _static_url_fetcher, html_to_pdf, render_pdf
from tests.helpers import pdf_to_text, pdf_tool

DOCUMENT = """{% extends "pdf/base.html" %}
{% block content %}
<h1>Overeenkomst van opdracht</h1>
<p>Opdrachtgever: Bakkerij Één &amp; Zonen B.V., Utrechtseweg 12, 3512 AB Utrecht</p>
<p>Vergoeding: € 1.234,56 exclusief btw. Geïnd binnen dertig dagen; ’s avonds dubbel tarief.</p>
{% endblock %}
"""


@pytest.fixture
def pdf_template(tmp_path, settings):
    (tmp_path / "sample.html").write_text(DOCUMENT, encoding="utf-8")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]},
    ]
    return "sample.html"


def test_a_template_renders_to_an_a4_pdf_with_dutch_text_and_the_euro_sign(pdf_template, tmp_path):
    with translation.override("nl"):
        pdf = render_pdf(pdf_template)
    assert pdf.startswith(b"%PDF-")
    text = pdf_to_text(pdf)
    assert "Overeenkomst van opdracht" in text
    assert "Bakkerij Één & Zonen B.V." in text
    assert "€ 1.234,56" in text
    assert "Geïnd binnen dertig dagen; ’s avonds dubbel tarief." in text
    assert "Pagina 1 van 1" in text

    info = pdf_tool("pdfinfo", pdf, tmp_path)
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info), info


def test_every_font_is_embedded(pdf_template, tmp_path):
    fonts = pdf_tool("pdffonts", render_pdf(pdf_template), tmp_path).splitlines()[2:]
    assert fonts, "the PDF lists no fonts"
    for row in fonts:
        assert "Mijlpaal-Sans" in row, "the bundled font, not a system fallback"
        columns = row.split()
        assert columns[-5] == "yes", f"font not embedded: {row}"


def test_the_page_footer_follows_the_language(pdf_template):
    with translation.override("en"):
        assert "Page 1 of 1" in pdf_to_text(render_pdf(pdf_template))


def test_pdf_a_3b_for_archiving(pdf_template, tmp_path):
    pdf = render_pdf(pdf_template, pdf_variant=PDF_A3B)
    metadata = pdf_tool("pdfinfo", pdf, tmp_path, "-meta")
    assert re.search(r"pdfaid:part>?=?\"?3", metadata), metadata
    assert re.search(r"pdfaid:conformance>?=?\"?B", metadata), metadata
    assert "Overeenkomst van opdracht" in pdf_to_text(pdf)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "file:///work/../etc/hostname",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.com/logo.png",
    ],
)
def test_the_fetcher_refuses_anything_outside_static(url):
    with pytest.raises(ValueError, match=r"refused|disallowed"):
        _static_url_fetcher()(url)


def test_user_html_pointing_at_local_files_renders_without_them():
    pdf = html_to_pdf('<p>Logo:</p><img src="file:///etc/passwd"><link rel="stylesheet" href="file:///etc/passwd">')
    assert "Logo:" in pdf_to_text(pdf)
    assert b"root:" not in pdf
