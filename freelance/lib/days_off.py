"""Why a day is not a working day, in words: "Saturday", "Boxing Day (Tweede Kerstdag)".

The calendar itself is `freelance.lib.workdays` (weekends and Dutch public holidays); this
names the reason, for a warning such as "the hard first deadline falls on a Saturday". A
holiday is named in the reader's language with its Dutch name beside it, as the client
and the freelancer know it.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from freelance.lib.workdays import holiday_name

# The holidays package's English name -> ours, and the Dutch name.
HOLIDAYS = {
    "New Year's Day": (_("New Year's Day"), "Nieuwjaarsdag"),
    "Good Friday": (_("Good Friday"), "Goede Vrijdag"),
    "Easter Sunday": (_("Easter Sunday"), "Eerste Paasdag"),
    "Easter Monday": (_("Easter Monday"), "Tweede Paasdag"),
    "King's Day": (_("King's Day"), "Koningsdag"),
    "Queen's Day": (_("Queen's Day"), "Koninginnedag"),
    "Liberation Day": (_("Liberation Day"), "Bevrijdingsdag"),
    "Ascension Day": (_("Ascension Day"), "Hemelvaartsdag"),
    "Pentecost": (_("Whit Sunday"), "Eerste Pinksterdag"),
    "Pentecost Monday": (_("Whit Monday"), "Tweede Pinksterdag"),
    "Christmas Day": (_("Christmas Day"), "Eerste Kerstdag"),
    "Second Day of Christmas": (_("Boxing Day"), "Tweede Kerstdag"),
}


@lru_cache(maxsize=64)
def _english_names(year: int) -> dict[date, str]:
    return dict(holidays.NL(years=year, language="en_US"))


def holiday_label(day: date) -> str | None:
    """The public holiday on `day` as "Boxing Day (Tweede Kerstdag)", or None if it is none."""
    if holiday_name(day) is None:
        return None
    english = _english_names(day.year).get(day, "")
    name, dutch = HOLIDAYS.get(english, (english, ""))
    name = str(name)
    return f"{name} ({dutch})" if dutch and dutch != name else name or str(holiday_name(day))


def reasons_off(day: date) -> list[str]:
    """Why `day` is not a working day: its weekday if a weekend, its holiday; [] on a working day."""
    reasons = []
    if day.weekday() >= 5:
        reasons.append(str(WEEKDAYS[day.weekday()]))
    if label := holiday_label(day):
        reasons.append(label)
    return reasons


def not_a_working_day(day: date | None) -> str:
    """Why `day` is not a working day, as words for a sentence ("Saturday and Boxing Day
    (Tweede Kerstdag)"), or "" when it is one."""
    if day is None:
        return ""
    reasons = reasons_off(day)
    if len(reasons) > 1:
        return gettext("%(weekday)s and %(holiday)s") % {"weekday": reasons[0], "holiday": reasons[1]}
    return reasons[0] if reasons else ""
