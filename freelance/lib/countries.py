"""Countries as people type them ("Nederland", "Belgium", "BE") to ISO 3166-1 alpha-2 codes.

A client's country is free text (it defaults to "Nederland"); e-invoices need the code.
``country_code`` knows the Dutch and English names, common variants and the codes of the
EU and EEA countries, the United Kingdom, Switzerland, the United States and a few more
neighbours; anything else gives "" so the caller can refuse with a clear message.
``country_name`` writes a code back in the document's language.
"""

from __future__ import annotations

import re
import unicodedata

NL = "NL"

# code: (Dutch name, English name, other spellings people type)
COUNTRIES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "AT": ("Oostenrijk", "Austria", ("Österreich", "Osterreich")),
    "BE": ("België", "Belgium", ("Belgie", "Belgique", "Belgien")),
    "BG": ("Bulgarije", "Bulgaria", ()),
    "HR": ("Kroatië", "Croatia", ("Kroatie", "Hrvatska")),
    "CY": ("Cyprus", "Cyprus", ()),
    "CZ": ("Tsjechië", "Czechia", ("Tsjechie", "Czech Republic", "Tsjechische Republiek", "Česko")),
    "DK": ("Denemarken", "Denmark", ("Danmark",)),
    "EE": ("Estland", "Estonia", ("Eesti",)),
    "FI": ("Finland", "Finland", ("Suomi",)),
    "FR": ("Frankrijk", "France", ()),
    "DE": ("Duitsland", "Germany", ("Deutschland", "BRD")),
    "GR": ("Griekenland", "Greece", ("Hellas", "EL")),
    "HU": ("Hongarije", "Hungary", ("Magyarország",)),
    "IE": ("Ierland", "Ireland", ("Éire", "Eire")),
    "IT": ("Italië", "Italy", ("Italie", "Italia")),
    "LV": ("Letland", "Latvia", ("Latvija",)),
    "LT": ("Litouwen", "Lithuania", ("Lietuva",)),
    "LU": ("Luxemburg", "Luxembourg", ()),
    "MT": ("Malta", "Malta", ()),
    "NL": ("Nederland", "Netherlands", ("The Netherlands", "Holland", "Nederland (NL)", "NLD")),
    "PL": ("Polen", "Poland", ("Polska",)),
    "PT": ("Portugal", "Portugal", ()),
    "RO": ("Roemenië", "Romania", ("Roemenie", "România")),
    "SK": ("Slowakije", "Slovakia", ("Slovensko",)),
    "SI": ("Slovenië", "Slovenia", ("Slovenie", "Slovenija")),
    "ES": ("Spanje", "Spain", ("España", "Espana")),
    "SE": ("Zweden", "Sweden", ("Sverige",)),
    # EEA outside the EU, and Switzerland
    "IS": ("IJsland", "Iceland", ("Island",)),
    "LI": ("Liechtenstein", "Liechtenstein", ()),
    "NO": ("Noorwegen", "Norway", ("Norge",)),
    "CH": ("Zwitserland", "Switzerland", ("Schweiz", "Suisse", "Svizzera")),
    # Others clients often have
    "GB": (
        "Verenigd Koninkrijk",
        "United Kingdom",
        ("UK", "Groot-Brittannië", "Groot-Brittannie", "Great Britain", "England", "Engeland", "Scotland", "Wales"),
    ),
    "US": ("Verenigde Staten", "United States", ("USA", "United States of America", "Amerika", "America")),
    "CA": ("Canada", "Canada", ()),
    "AU": ("Australië", "Australia", ("Australie",)),
    "SR": ("Suriname", "Suriname", ()),
    "CW": ("Curaçao", "Curaçao", ("Curacao",)),
    "AW": ("Aruba", "Aruba", ()),
}

# fmt: off
EU = frozenset((
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
    "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
))
# fmt: on


def _key(text: str) -> str:
    """Case, accents, dots and extra spaces do not matter: "the  Netherlands." = "the netherlands"."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", text.replace(".", "")).strip().casefold()


def _index() -> dict[str, str]:
    index = {}
    for code, (dutch, english, others) in COUNTRIES.items():
        for name in (code, dutch, english, *others):
            index[_key(name)] = code
    return index


_BY_NAME = _index()


def country_code(text: str | None, *, default: str = "") -> str:
    """The ISO 3166-1 alpha-2 code of a country as typed; ``default`` when blank, "" when unknown."""
    if not text or not text.strip():
        return default
    key = _key(text)
    return _BY_NAME.get(key) or _BY_NAME.get(key.removeprefix("the ")) or ""


def country_name(code: str, language: str = "nl") -> str:
    """The country's name in Dutch or English; the code itself when it is not known."""
    names = COUNTRIES.get(code.upper())
    if names is None:
        return code
    return names[0] if language.startswith("nl") else names[1]


def is_eu(code: str) -> bool:
    return code.upper() in EU
