"""Dutch must be complete, and the compiled catalogue must match the source.

English is the source language, so its catalogue may leave msgstr empty.
CI also runs makemessages and fails when a new string is missing from the catalogue.
"""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parent.parent / "locale"


def test_every_dutch_string_is_translated():
    po = polib.pofile(str(LOCALE / "nl/LC_MESSAGES/django.po"))
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_compiled_catalogue_matches_the_source(language):
    po = polib.pofile(str(LOCALE / f"{language}/LC_MESSAGES/django.po"))
    with (LOCALE / f"{language}/LC_MESSAGES/django.mo").open("rb") as mo_file:
        compiled = gettext.GNUTranslations(mo_file)
    for entry in po.translated_entries():
        if entry.msgid_plural:
            assert compiled.ngettext(entry.msgid, entry.msgid_plural, 1) == entry.msgstr_plural[0]
        elif entry.msgctxt:
            assert compiled.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr
        else:
            assert compiled.gettext(entry.msgid) == entry.msgstr, f"run compilemessages: {entry.msgid!r}"


@pytest.mark.parametrize("language", ["nl", "en"])
def test_placeholders_survive_translation(language):
    po = polib.pofile(str(LOCALE / f"{language}/LC_MESSAGES/django.po"))
    for entry in po.translated_entries():
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for placeholder in re.findall(r"%\(\w+\)s", entry.msgid):
            for translation in translations:
                assert placeholder in translation, f"{placeholder} missing in {translation!r}"
