"""The freelancer's own preferences, in the base layer so every app can read them.

Today one: the language of the app and of every mail to the freelancer (digest, notices about
the client's decisions, reminders). Mails to clients keep the client's language. Without a row
(or with an empty choice) the install's ``LANGUAGE_CODE`` applies.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserPreferences(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences")
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, blank=True)

    class Meta:
        verbose_name = _("preferences")
        verbose_name_plural = _("preferences")

    def __str__(self) -> str:
        return str(self.user)


def _known(code: str | None) -> str:
    return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def language_for(user) -> str:
    """The language of the app and of mails to ``user``: their choice, else the install's. One
    query, unless ``languages_for`` or ``remember`` already put it on the user object."""
    if user is None or not getattr(user, "pk", None):
        return settings.LANGUAGE_CODE
    cached = getattr(user, "_preferred_language", None)
    if cached is not None:
        return cached
    code = UserPreferences.objects.filter(user_id=user.pk).values_list("language", flat=True).first()
    user._preferred_language = _known(code)
    return user._preferred_language


def languages_for(user_ids: Iterable[int]) -> dict[int, str]:
    """{user id: language} for a batch, in one query (none for an empty batch)."""
    ids = {pk for pk in user_ids if pk is not None}
    if not ids:
        return {}
    chosen = dict(UserPreferences.objects.filter(user_id__in=ids).values_list("user_id", "language"))
    return {pk: _known(chosen.get(pk)) for pk in ids}


def remember(users: Iterable) -> None:
    """Read the languages of many users in one query and keep each on its user object, so
    ``language_for(user)`` costs no query afterwards (sweeps call this once per batch)."""
    users = [u for u in users if u is not None and getattr(u, "pk", None)]
    languages = languages_for(u.pk for u in users if getattr(u, "_preferred_language", None) is None)
    for user in users:
        if user.pk in languages:
            user._preferred_language = languages[user.pk]


def set_language(user, code: str) -> None:
    """Store ``user``'s choice (an unknown code is a programming error)."""
    if code not in dict(settings.LANGUAGES):
        raise ValueError(f"unknown language {code!r}")
    UserPreferences.objects.update_or_create(user=user, defaults={"language": code})
    user._preferred_language = code
