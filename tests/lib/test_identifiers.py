"""KvK numbers, VAT ids and IBANs: one rule, from freelance.lib.identifiers."""

from __future__ import annotations

import contextlib

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st
from stdnum import iban as stdnum_iban

from freelance.lib.identifiers import (
    MAX_IDENTIFIER_LENGTH,
    format_iban,
    normalise_iban,
    normalise_identifier,
    normalise_vat_id,
    validate_iban,
    validate_kvk_number,
    validate_vat_id,
)

KVK_FORMAT = "A KvK number has exactly 8 digits, for example 12345678."
VAT_FORMAT = "Enter a VAT id such as NL123456789B01: the country code, then the number, without spaces."
VAT_COUNTRY = "Enter a VAT id from an EU country: it starts with the country code, such as NL, BE or DE."
VAT_CHECKSUM = "This VAT id has a typo: its check digits do not match."
IBAN_FORMAT = "Enter an IBAN such as NL91ABNA0417164300."
IBAN_CHECKSUM = "This IBAN has a typo: its check digits do not match."

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "NL91ABNA0417164300<script>",
    "'; DROP TABLE projects_client; --",
    "NL000099998B57\x00",
    "\x00" * 20,
    "{{ 7*7 }}",
    "%(value)s",
]
HUGE = ["1" * 100_000, "NL" + "9" * 1_000_000, "NL91" + "A" * 500_000, "X" * (MAX_IDENTIFIER_LENGTH + 1)]


def refusal(validator, value) -> ValidationError:
    with pytest.raises(ValidationError) as refused:
        validator(value)
    return refused.value


def assert_refused(validator, value, message: str, code: str) -> None:
    error = refusal(validator, value)
    with translation.override("en"):
        assert error.messages == [message]
    assert error.code == code


# -- normalising --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        (" 1234 5678 ", "12345678"),
        ("1234.5678", "12345678"),
        ("1234-5678", "12345678"),
        ("nl 0000.99998 b57", "NL000099998B57"),
        ("NL-000099998-B57", "NL000099998B57"),
        ("nl\u00a00000\u00a099998\u00a0b57", "NL000099998B57"),  # no-break spaces, as pasted from a PDF
        ("1234\u20135678", "12345678"),  # an en dash
        ("1234\u200b5678", "12345678"),  # a zero-width space
        ("\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18", "12345678"),  # full-width digits
        ("", ""),
        (None, ""),
    ],
)
def test_normalise_identifier_strips_spaces_dots_and_dashes_and_uppercases(typed, normalised):
    assert normalise_identifier(typed) == normalised


def test_normalise_identifier_keeps_anything_else_for_the_validator_to_refuse():
    assert normalise_identifier("<b>1234</b>") == "<B>1234</B>"
    assert normalise_identifier("1234567A") == "1234567A"


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("nl91 abna 0417 1643 00", "NL91ABNA0417164300"),
        ("NL91-ABNA-0417-1643-00", "NL91ABNA0417164300"),
        ("NL91.ABNA.0417.1643.00", "NL91ABNA0417164300"),
        ("  NL91ABNA0417164300\n", "NL91ABNA0417164300"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalise_iban_gives_the_compact_electronic_form(typed, normalised):
    assert normalise_iban(typed) == normalised
    if normalised:
        assert normalised == stdnum_iban.compact(typed)


def test_format_iban_prints_groups_of_four():
    assert format_iban("NL91ABNA0417164300") == "NL91 ABNA 0417 1643 00"


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("nl 0000.99998 b57", "NL000099998B57"),
        ("BE 697.449.992", "BE0697449992"),  # the leading zero people leave off
        ("be0697449992", "BE0697449992"),
        ("atu 571 949 03", "ATU57194903"),
        ("us 123", "US123"),  # not EU: left for the validator to refuse
        ("<script>", "<SCRIPT>"),
        ("", ""),
    ],
)
def test_normalise_vat_id_adds_the_countrys_compact_form(typed, normalised):
    assert normalise_vat_id(typed) == normalised


# -- KvK number ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["12345678", "87654321", "30123456", "00000001", "69599084"])
def test_any_eight_digits_are_a_kvk_number(value):
    validate_kvk_number(value)  # no check digit: KvK dropped the 11-test


@pytest.mark.parametrize(
    "value",
    [
        "1234567",  # 7 digits
        "123456789",  # 9 digits
        "1234567A",
        "1234 5678",  # not normalised
        "1234.5678",
        "",
        "NL12345678",
        "\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668",  # Arabic-Indic digits: \d would take these
        "\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18",  # full-width, not normalised
        "12345678\n",
    ],
)
def test_a_kvk_number_that_is_not_eight_plain_digits_is_refused(value):
    assert_refused(validate_kvk_number, value, KVK_FORMAT, "kvk")


def test_a_kvk_number_typed_with_spaces_is_valid_once_normalised():
    validate_kvk_number(normalise_identifier(" 3012 3456 "))


# -- VAT id -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "NL000099998B57",  # the tax office's test id
        "NL123456782B90",  # old form: a BSN that passes the 11-test
        "NL001234567B29",  # btw-id since 2020: mod 97 over NL + the number
        "BE0697449992",
        "BE697449992",  # accepted without the leading zero too
        "ATU57194903",
        "DE136695976",
        "FR61954506077",
        "EL094259216",  # Greece uses EL
        "IE6388047V",
        "XI980780684",  # Northern Ireland
    ],
)
def test_a_valid_eu_vat_id_passes(value):
    validate_vat_id(value)


@pytest.mark.parametrize(
    "value",
    [
        "NL123456789B01",  # the example in the message itself: made up, its check fails
        "NL001234567B01",
        "NL000099998B58",
        "BE0123456789",
        "DE136695977",
        "FR61954506078",
    ],
)
def test_a_vat_id_with_wrong_check_digits_is_called_a_typo(value):
    assert_refused(validate_vat_id, value, VAT_CHECKSUM, "vat_id_checksum")


@pytest.mark.parametrize(
    "value",
    [
        "NL12345",  # too short
        "NL12",
        "NL0000999981B57",  # too long
        "NL000099998X57",  # no B
        "NL00009999BB57",
        "BE06974499921",  # 11 digits
        "123456789",  # no country code
        "",
        "nl000099998b57",  # not normalised
        "NL 000099998B57",
        "NL000099998B57 ",
    ],
)
def test_a_vat_id_of_the_wrong_shape_or_length_is_refused(value):
    assert_refused(validate_vat_id, value, VAT_FORMAT, "vat_id")


@pytest.mark.parametrize(
    "value", ["GB980780684", "CHE123456789", "NO123456789", "US123456789", "GR094259216", "EU372000041"]
)
def test_a_vat_id_from_outside_the_eu_is_refused(value):
    # GR is Greece's ISO code, but its VAT ids start with EL; EU is the OSS scheme, not a VAT id.
    assert_refused(validate_vat_id, value, VAT_COUNTRY, "vat_id_country")


def test_a_vat_id_typed_with_spaces_and_dots_is_valid_once_normalised():
    validate_vat_id(normalise_identifier("nl 0000.99998 b57"))
    validate_vat_id(normalise_vat_id("be 697.449.992"))


# -- IBAN ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "NL91ABNA0417164300",
        "NL02ABNA0123456789",
        "DE89370400440532013000",
        "BE68539007547034",
        "GB82WEST12345698765432",
        "FR1420041010050500013M02606",
    ],
)
def test_a_valid_iban_passes(value):
    validate_iban(value)


@pytest.mark.parametrize("value", ["NL91ABNA0417164301", "NL19ABNA0417164300", "DE89370400440532013001"])
def test_an_iban_with_wrong_check_digits_is_called_a_typo(value):
    assert_refused(validate_iban, value, IBAN_CHECKSUM, "iban_checksum")


def wrong_length_iban_with_good_check_digits(country: str, bban: str) -> str:
    return country + stdnum_iban.calc_check_digits(country + "00" + bban) + bban


@pytest.mark.parametrize(
    "value",
    [
        "NOTANIBAN",
        "NL91ABNA",  # too short for any IBAN
        "NL91ABNA04171643001234567890123456789",  # too long for any IBAN
        wrong_length_iban_with_good_check_digits("NL", "ABNA041716430"),  # one digit short for NL
        wrong_length_iban_with_good_check_digits("NL", "ABNA04171643001"),  # one digit long for NL
        wrong_length_iban_with_good_check_digits("NL", "1234ABNA0417"),  # NL: bank code first
        wrong_length_iban_with_good_check_digits("QQ", "ABNA0417164300"),  # no such country
        "nl91abna0417164300",  # not normalised
        "NL91 ABNA 0417 1643 00",
        "",
    ],
)
def test_an_iban_of_the_wrong_shape_length_or_country_is_refused(value):
    assert_refused(validate_iban, value, IBAN_FORMAT, "iban")


def test_an_iban_typed_in_groups_is_valid_once_normalised():
    validate_iban(normalise_iban("nl91 abna 0417 1643 00"))


# -- hostile input ------------------------------------------------------------------------------

VALIDATORS = [
    (validate_kvk_number, KVK_FORMAT, "kvk"),
    (validate_vat_id, VAT_FORMAT, "vat_id"),
    (validate_iban, IBAN_FORMAT, "iban"),
]


@pytest.mark.parametrize(("validator", "message", "code"), VALIDATORS)
@pytest.mark.parametrize("value", HOSTILE)
def test_markup_and_control_characters_are_refused_without_echoing_them(validator, message, code, value):
    for candidate in (value, normalise_identifier(value)):
        error = refusal(validator, candidate)
        with translation.override("en"):
            assert error.messages == [message]
        assert error.code == code
        assert error.params is None


@pytest.mark.parametrize(("validator", "message", "code"), VALIDATORS)
@pytest.mark.parametrize("value", HUGE)
def test_huge_input_is_refused_cleanly(validator, message, code, value):
    assert_refused(validator, normalise_identifier(value), message, code)


@pytest.mark.parametrize(("validator", "message", "code"), VALIDATORS)
@pytest.mark.parametrize("value", [None, 12345678, b"12345678"])
def test_a_value_that_is_not_text_is_refused(validator, message, code, value):
    assert_refused(validator, value, message, code)


@given(st.text(max_size=80))
def test_any_text_either_passes_or_raises_a_validation_error(text):
    for normalise, validator in (
        (normalise_identifier, validate_kvk_number),
        (normalise_vat_id, validate_vat_id),
        (normalise_iban, validate_iban),
    ):
        with contextlib.suppress(ValidationError):  # anything else (TypeError, ValueError…) fails the test
            validator(normalise(text))


# -- translations -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("validator", "value", "dutch"),
    [
        (validate_kvk_number, "1234", "Een KvK-nummer heeft precies 8 cijfers, bijvoorbeeld 12345678."),
        (validate_vat_id, "NL12", "Vul een btw-id in zoals NL123456789B01"),
        (validate_iban, "NOTANIBAN", "Vul een IBAN in, zoals NL91ABNA0417164300."),
        (validate_iban, "NL91ABNA0417164301", "Dit IBAN bevat een tikfout: de controlecijfers kloppen niet."),
    ],
)
def test_the_existing_dutch_translations_still_apply(validator, value, dutch):
    error = refusal(validator, value)
    with translation.override("nl"):
        assert error.messages[0].startswith(dutch)
