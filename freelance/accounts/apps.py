from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "freelance.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.contrib import admin
        from django.contrib.auth.signals import user_logged_in

        from freelance.accounts import mfa, sessions

        user_logged_in.connect(sessions.start, dispatch_uid="accounts.sessions.start")
        user_logged_in.connect(mfa.record_login, dispatch_uid="accounts.mfa.record_login")
        from freelance.accounts.middleware import remember_login_language

        user_logged_in.connect(remember_login_language, dispatch_uid="accounts.login_language")
        mfa.guard_admin(admin.site)  # the admin's login is the app's, and it asks for the second step
