from __future__ import annotations

from axes.utils import reset as reset_login_failures
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from freelance.accounts import mfa, sessions
from freelance.accounts.forms import OutboxPasswordResetForm
from freelance.preferences.cookie import set_language_cookie
from freelance.preferences.models import language_for, set_language


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if mfa.is_enabled(user):
            # The password was right; the code step (mfa.login_code) logs the user in.
            mfa.start_pending(self.request, user, self.get_redirect_url())
            return redirect("login_code")
        return super().form_valid(form)

    def get_initial(self):
        # After a login sent back to the start (wrong codes, too slow), the username is kept.
        username = self.request.session.pop(mfa.USERNAME_KEY, None)
        return {"username": username} if isinstance(username, str) else {}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Set by the idle-timeout middleware on the session that replaced the ended one.
        context["idle_logout"] = self.request.session.pop(sessions.IDLE_LOGOUT_KEY, False)
        return context


class PasswordResetView(auth_views.PasswordResetView):
    form_class = OutboxPasswordResetForm


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        # A new password lifts a login lock-out for this username (from every address).
        reset_login_failures(username=form.user.get_username())
        return response


@require_POST
@login_required
def logout_everywhere(request: HttpRequest) -> HttpResponse:
    sessions.end_everywhere(request)
    messages.success(request, _("You have been logged out on every device, this one included."))
    return redirect("login")


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        choices=settings.LANGUAGES,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "The language of Mijlpaal and of every mail it sends you. Mails to your clients keep each client's language."
        ),
    )


@require_http_methods(["GET", "POST"])
@login_required
def language_settings(request: HttpRequest) -> HttpResponse:
    """The freelancer's language: stored for their mails, and the app switches to it at once
    (the language cookie, as Django's ``set_language`` sets it)."""
    if request.method == "POST":
        form = LanguageForm(request.POST)
        if form.is_valid():
            code = form.cleaned_data["language"]
            set_language(request.user, code)
            with translation.override(code):
                messages.success(request, _("Saved. Mijlpaal and your mails now use this language."))
            return set_language_cookie(redirect("language_settings"), code)
    else:
        form = LanguageForm(initial={"language": language_for(request.user)})
    return render(request, "accounts/language.html", {"form": form})
