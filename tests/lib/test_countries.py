"""Countries as people type them, to ISO 3166-1 alpha-2 codes and back."""

from __future__ import annotations

import pytest

from freelance.lib.countries import COUNTRIES, EU, country_code, country_name, is_eu


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Nederland", "NL"),
        ("the Netherlands", "NL"),
        ("  nederland ", "NL"),
        ("Holland", "NL"),
        ("NL", "NL"),
        ("nl", "NL"),
        ("België", "BE"),
        ("Belgie", "BE"),
        ("Belgium", "BE"),
        ("Belgique", "BE"),
        ("Duitsland", "DE"),
        ("Deutschland", "DE"),
        ("Germany", "DE"),
        ("Verenigd Koninkrijk", "GB"),
        ("U.K.", "GB"),
        ("United States", "US"),
        ("USA", "US"),
        ("Zwitserland", "CH"),
        ("Noorwegen", "NO"),
        ("Österreich", "AT"),
        ("Curacao", "CW"),
    ],
)
def test_it_knows_dutch_and_english_names_variants_and_codes(typed, code):
    assert country_code(typed) == code


def test_every_eu_and_eea_country_and_the_uk_us_and_switzerland_are_known():
    required = EU | {"IS", "LI", "NO", "GB", "US", "CH"}

    assert len(EU) == 27
    assert required <= set(COUNTRIES)
    for code in required:
        dutch, english, _others = COUNTRIES[code]
        assert country_code(code) == code
        assert country_code(dutch) == code
        assert country_code(english) == code


@pytest.mark.parametrize("typed", ["Atlantis", "Benelux", "Europe", "X"])
def test_an_unknown_country_gives_an_empty_code(typed):
    assert country_code(typed) == ""


def test_a_blank_country_gives_the_default():
    assert country_code("", default="NL") == "NL"
    assert country_code(None) == ""
    assert country_code("   ", default="NL") == "NL"


def test_it_writes_the_name_in_the_documents_language():
    assert country_name("NL", "nl") == "Nederland"
    assert country_name("NL", "en") == "Netherlands"
    assert country_name("be", "nl") == "België"
    assert country_name("ZZ", "en") == "ZZ"


def test_eu_membership():
    assert is_eu("nl")
    assert not is_eu("GB")
    assert not is_eu("CH")
