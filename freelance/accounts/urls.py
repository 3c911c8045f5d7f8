from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from freelance.accounts import invitations, mfa, views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/code/", mfa.login_code, name="login_code"),
    path("two-factor/", mfa.two_factor, name="two_factor"),
    path("two-factor/recovery-codes/", mfa.two_factor_codes, name="two_factor_codes"),
    path("two-factor/recovery-codes/new/", mfa.two_factor_regenerate, name="two_factor_regenerate"),
    path("two-factor/disable/", mfa.two_factor_disable, name="two_factor_disable"),
    path("invitation/<str:token>/", invitations.invitation, name="invitation"),
    path("signup/", invitations.signup, name="signup"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("logout/everywhere/", views.logout_everywhere, name="logout_everywhere"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
