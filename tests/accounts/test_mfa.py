"""Two-factor authentication: setting it up, the code step at login, recovery codes, the operator."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import unquote

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from freelance.accounts import mfa
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)
LOGIN = "/accounts/login/"
CODE = "/accounts/login/code/"
SETUP = "/accounts/two-factor/"
CODES = "/accounts/two-factor/recovery-codes/"


@pytest.fixture
def clock():
    """Frozen time; ``clock.shift(30)`` moves to the app's next code."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def operator(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.nl", PASSWORD)


def code_for(user) -> str:
    device = TOTPDevice.objects.get(user=user)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def wrong_code_for(user) -> str:
    return f"{(int(code_for(user)) + 500_000) % 1_000_000:06d}"


def log_in(client: Client, username: str = "alice", next_url: str = ""):
    data = {"username": username, "password": PASSWORD} | ({"next": next_url} if next_url else {})
    return client.post(LOGIN, data)


def is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def enrol(client: Client, user, clock) -> list[str]:
    """Through the setup page, as the user would; returns the recovery codes shown."""
    assert client.get(SETUP).status_code == 200
    response = client.post(SETUP, {"code": code_for(user)})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == CODES
    codes = client.get(CODES).context["codes"]
    clock.shift(30)  # a code is never taken twice: the next step needs the next one
    return codes


@pytest.fixture
def enrolled(client, alice, clock) -> list[str]:
    """Alice with an authenticator app, logged out; returns her recovery codes."""
    client.force_login(alice)
    codes = enrol(client, alice, clock)
    client.post(reverse("logout"))
    return codes


# -- setting it up -----------------------------------------------------------------------------


def test_the_setup_page_shows_a_qr_code_and_the_secret_as_text(client, alice):
    client.force_login(alice)
    body = client.get(SETUP).content.decode()
    device = TOTPDevice.objects.get(user=alice)
    assert not device.confirmed
    assert '<svg role="img"' in body
    svg = body[body.index("<svg") : body.index("</svg>")]
    assert "<title>QR code for your authenticator app</title>" in svg
    assert "style=" not in svg and "<script>" not in body  # nothing the CSP would block
    assert " ".join(re.findall(".{4}", mfa.secret(device))) in body
    assert mfa.config_url(device).startswith("otpauth://totp/Mijlpaal%3Aalice?secret=")
    assert "<h1>Set up two-factor authentication</h1>" in body
    assert body.count("<h1") == 1
    assert '<label for="id_code">' in body
    assert client.get(SETUP).context["secret_groups"] == re.findall(".{4}", mfa.secret(device)), "same key on reload"


def test_a_wrong_code_does_not_confirm_and_the_right_one_shows_ten_codes_once(client, alice, clock):
    client.force_login(alice)
    client.get(SETUP)
    response = client.post(SETUP, {"code": wrong_code_for(alice)})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert not TOTPDevice.objects.get(user=alice).confirmed

    clock.shift(2)  # django-otp's throttle: a second after one wrong code
    response = client.post(SETUP, {"code": code_for(alice)})
    assert response["Location"] == CODES
    assert TOTPDevice.objects.get(user=alice).confirmed
    page = client.get(CODES)
    codes = page.context["codes"]
    assert len(codes) == len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", code) for code in codes)
    body = page.content.decode()
    assert all(code in body for code in codes)
    assert page["Cache-Control"].startswith("max-age=0") and "no-store" in page["Cache-Control"]
    download = re.search(r'<a class="button" href="(data:text/plain;charset=utf-8,[^"]+)" download="([^"]+)"', body)
    assert download, "a .txt download of the codes"
    assert download.group(2) == "mijlpaal-recovery-codes-alice.txt"
    assert all(code in unquote(download.group(1)) for code in codes)
    assert StaticToken.objects.filter(device__user=alice).count() == 10

    again = client.get(CODES, follow=True)
    assert again.redirect_chain == [(SETUP, 302)]
    assert not any(code in again.content.decode() for code in codes), "shown once"
    assert "Recovery codes are shown only once" in again.content.decode()


def test_an_unconfirmed_app_does_not_count(client, alice):
    client.force_login(alice)
    client.get(SETUP)  # scanned, never confirmed
    client.post(reverse("logout"))
    assert log_in(client)["Location"] == "/"
    assert is_logged_in(client)


def test_turning_it_on_logs_out_the_other_sessions(client, alice, clock):
    laptop = Client()
    laptop.force_login(alice)
    assert laptop.get("/").status_code == 200
    client.force_login(alice)
    enrol(client, alice, clock)
    assert laptop.get("/")["Location"].startswith(LOGIN)
    assert client.get("/").status_code == 200, "this session goes on, verified"


# -- the code step at login --------------------------------------------------------------------


def test_the_password_alone_logs_nobody_in(client, alice, enrolled):
    client.cookies.pop("sessionid")  # the emptied cookie logging out left; a planted session instead:
    session = client.session
    session["before"] = True
    session.save()
    fixed_key = session.session_key
    response = log_in(client)
    assert client.session.session_key != fixed_key, "a new session key once the password was right"
    assert response["Location"] == CODE
    assert not is_logged_in(client)
    assert client.get("/")["Location"].startswith(LOGIN)
    page = client.get(CODE)
    body = page.content.decode()
    assert "<strong>alice</strong>" in body
    assert '<label for="id_code">' in body and 'autocomplete="one-time-code"' in body

    response = client.post(CODE, {"code": code_for(alice)})
    assert response["Location"] == "/"
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert dashboard.wsgi_request.user == alice
    assert dashboard.wsgi_request.user.is_verified()


def test_a_wrong_code_is_refused_with_a_message_and_the_username_stays(client, alice, enrolled):
    log_in(client)
    response = client.post(CODE, {"code": wrong_code_for(alice)})
    assert response.status_code == 200
    body = response.content.decode()
    assert "That code is not right" in body
    assert "<strong>alice</strong>" in body
    assert not is_logged_in(client)


def test_a_recovery_code_works_once(client, alice, enrolled):
    first = enrolled[0]
    log_in(client)
    assert client.post(CODE, {"code": f"  {first.upper()} "})["Location"] == "/"
    assert client.get("/").wsgi_request.user.is_verified()
    assert StaticToken.objects.filter(device__user=alice).count() == 9
    client.post(reverse("logout"))

    log_in(client)
    response = client.post(CODE, {"code": first})
    assert "That code is not right" in response.content.decode()
    assert not is_logged_in(client)


def test_five_wrong_codes_send_the_login_back_to_the_start(client, alice, enrolled, clock):
    log_in(client)
    for attempt in range(4):
        response = client.post(CODE, {"code": wrong_code_for(alice)})
        assert response.status_code == 200, attempt
        clock.shift(2**attempt)  # django-otp waits 1, 2, 4, 8 seconds between tries
    response = client.post(CODE, {"code": wrong_code_for(alice)})
    assert response["Location"] == LOGIN
    assert client.get(CODE)["Location"] == LOGIN, "nothing pending any more"
    page = client.get(LOGIN)
    assert "5 wrong codes in a row" in page.content.decode()
    assert 'value="alice"' in page.content.decode(), "the username is filled in again"

    # Starting again does not reset the throttle: it lives on the device, not in the session.
    log_in(client)
    response = client.post(CODE, {"code": code_for(alice)})
    assert re.search(r"Wait 1[0-9] seconds", response.content.decode())
    assert not is_logged_in(client)
    clock.shift(16)
    assert client.post(CODE, {"code": code_for(alice)})["Location"] == "/"


def test_a_try_while_throttled_is_not_checked_and_not_counted(client, alice, enrolled, clock):
    log_in(client)
    client.post(CODE, {"code": wrong_code_for(alice)})
    response = client.post(CODE, {"code": code_for(alice)})  # the right code, but within the second
    assert "Wait 1 second" in response.content.decode()
    assert client.session[mfa.FAILURES_KEY] == 1
    clock.shift(1)
    assert client.post(CODE, {"code": code_for(alice)})["Location"] == "/"


def test_the_pending_login_ends_after_five_minutes(client, alice, enrolled, clock):
    log_in(client)
    clock.shift(5 * 60 - 1)
    assert client.get(CODE).status_code == 200
    clock.shift(2)
    response = client.post(CODE, {"code": code_for(alice)})
    assert response["Location"] == LOGIN
    assert not is_logged_in(client)
    page = client.get(LOGIN).content.decode()
    assert "more than 5 minutes" in page
    assert 'value="alice"' in page


def test_next_survives_both_steps(client, alice, enrolled):
    assert client.get("/projects/?page=2")["Location"] == f"{LOGIN}?next=/projects/%3Fpage%3D2"
    response = log_in(client, next_url="/projects/?page=2")
    assert response["Location"] == CODE
    assert client.post(CODE, {"code": code_for(alice)})["Location"] == "/projects/?page=2"


@pytest.mark.parametrize(
    "hostile", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "/\\evil.example/", "x" * 5000]
)
def test_a_next_to_elsewhere_is_dropped(client, alice, enrolled, hostile):
    log_in(client, next_url=hostile)
    response = client.post(CODE, {"code": code_for(alice)})
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize("hostile", ["https://evil.example/", "//evil.example/x", "/\\evil.example/"])
def test_a_next_to_elsewhere_is_dropped_when_a_session_gives_its_code(client, alice, clock, hostile):
    client.force_login(alice)
    enrol(client, alice, clock)
    other = Client()
    other.force_login(alice)  # a session that has not given the code
    response = other.post(f"{CODE}?next={hostile}", {"code": code_for(alice), "next": hostile})
    assert response["Location"] == "/"


def test_a_user_without_an_app_logs_in_with_the_password_alone(client, alice):
    assert log_in(client)["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.get(CODE)["Location"] == "/"


# -- the operator ------------------------------------------------------------------------------


def test_the_operator_must_set_it_up_before_anything_else(client, operator, clock):
    assert log_in(client, "root")["Location"] == "/"
    assert client.get("/")["Location"] == f"{SETUP}?next=%2F"
    assert client.get("/projects/")["Location"] == f"{SETUP}?next=%2Fprojects%2F"
    assert client.get("/admin/")["Location"].startswith(SETUP)
    assert client.get("/admin/projects/project/")["Location"].startswith(SETUP)
    htmx = client.get("/projects/", HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200 and htmx["HX-Redirect"].startswith(SETUP)
    # Open without it: the setup itself, the health check, client links and logging out.
    setup = client.get(SETUP)
    assert setup.status_code == 200
    assert "The operator account needs two-factor authentication" in setup.content.decode()
    assert client.get("/health/").status_code in (200, 503)
    assert client.get("/l/not-a-real-token/").status_code in (404, 200, 302, 429)
    assert not client.get("/l/not-a-real-token/").get("Location", "").startswith(SETUP)
    # The calendar feed and "is this invoice genuine?" need no login: a browser owing the step still gets them.
    assert client.get("/calendar/not-a-real-token.ics").status_code == 404
    assert client.get("/v/not-a-real-id/").status_code == 404

    enrol(client, operator, clock)
    assert client.get("/").status_code == 200
    assert client.get("/admin/").status_code == 200
    assert client.post(reverse("logout"))["Location"] == LOGIN


def test_the_operator_gives_the_code_in_every_session(client, operator, clock):
    client.force_login(operator)
    enrol(client, operator, clock)
    other = Client(HTTP_ACCEPT_LANGUAGE="en")
    other.force_login(operator)  # a session that never gave the code
    assert other.get("/")["Location"] == f"{CODE}?next=%2F"
    assert other.get("/admin/")["Location"] == f"{CODE}?next=%2Fadmin%2F"
    assert other.get(CODE).status_code == 200
    assert other.post(CODE, {"code": code_for(operator), "next": "/admin/"})["Location"] == "/admin/"
    assert other.get("/admin/").status_code == 200


def test_the_operator_cannot_turn_it_off(client, operator, clock):
    client.force_login(operator)
    enrol(client, operator, clock)
    page = client.get(SETUP).content.decode()
    assert "two_factor_disable" not in page and "/accounts/two-factor/disable/" not in page
    response = client.post(
        reverse("two_factor_disable"), {"password": PASSWORD, "code": code_for(operator)}, follow=True
    )
    assert "must keep two-factor authentication on" in response.content.decode()
    assert TOTPDevice.objects.filter(user=operator, confirmed=True).exists()


def test_the_admin_login_form_is_the_apps_login(client, operator):
    response = client.get("/admin/login/?next=/admin/contracts/")
    assert response["Location"] == f"{LOGIN}?next=/admin/contracts/"
    response = client.post("/admin/login/", {"username": "root", "password": PASSWORD})
    assert response.status_code == 302
    assert not is_logged_in(client), "no way around the app's login"


def test_the_admin_refuses_an_unverified_operator_even_without_the_middleware(client, operator, settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("TwoFactorMiddleware")]
    client.force_login(operator)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert client.get(response["Location"])["Location"].startswith(SETUP)


def test_the_demo_login_needs_no_second_factor(client, settings):
    from freelance.demo import ensure_demo_data

    settings.DEBUG = True  # the demo login exists only in DEBUG
    demo = ensure_demo_data()
    response = client.post(LOGIN, {"username": demo.username, "password": demo.password})
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


# -- turning it off, new codes, the reset command -------------------------------------------------


def test_a_freelancer_may_leave_it_off(alice_client):
    assert alice_client.get("/").status_code == 200
    assert "Set up two-factor authentication" in alice_client.get(SETUP).content.decode()


def test_turning_it_off_takes_the_password_and_a_code(client, alice, enrolled, clock):
    log_in(client)
    client.post(CODE, {"code": code_for(alice)})
    clock.shift(30)
    url = reverse("two_factor_disable")

    response = client.post(url, {"password": "not it", "code": code_for(alice)})
    assert "That is not your password" in response.content.decode()
    clock.shift(2)
    response = client.post(url, {"password": PASSWORD, "code": wrong_code_for(alice)})
    assert "That code is not right" in response.content.decode()
    clock.shift(4)
    response = client.post(url, {"password": PASSWORD})
    assert response.status_code == 200
    assert TOTPDevice.objects.filter(user=alice).exists()

    response = client.post(url, {"password": PASSWORD, "code": code_for(alice)})
    assert response["Location"] == SETUP
    assert not TOTPDevice.objects.filter(user=alice).exists()
    assert not StaticToken.objects.filter(device__user=alice).exists()
    assert client.get("/").status_code == 200
    client.post(reverse("logout"))
    assert log_in(client)["Location"] == "/", "the password alone again"


def test_new_recovery_codes_replace_the_old_ones(client, alice, enrolled, clock):
    log_in(client)
    client.post(CODE, {"code": code_for(alice)})
    response = client.post(reverse("two_factor_regenerate"))
    assert response["Location"] == CODES
    fresh = client.get(CODES).context["codes"]
    assert set(fresh).isdisjoint(enrolled)
    client.post(reverse("logout"))
    log_in(client)
    assert "That code is not right" in client.post(CODE, {"code": enrolled[1]}).content.decode()
    clock.shift(2)
    assert client.post(CODE, {"code": fresh[0]})["Location"] == "/"


def test_the_reset_command_removes_the_app_and_ends_the_sessions(client, alice, enrolled, capsys):
    log_in(client)
    client.post(CODE, {"code": code_for(alice)})
    call_command("reset_two_factor", "alice")
    assert "removed for alice (10 unused recovery codes)" in capsys.readouterr().out
    assert not TOTPDevice.objects.filter(user=alice).exists()
    assert client.get("/")["Location"].startswith(LOGIN), "her sessions ended"
    assert log_in(client)["Location"] == "/"


def test_the_reset_command_puts_the_operator_back_to_the_setup(client, operator, clock):
    client.force_login(operator)
    enrol(client, operator, clock)
    call_command("reset_two_factor", "root")
    assert log_in(client, "root")["Location"] == "/"
    assert client.get("/")["Location"].startswith(SETUP)


def test_the_reset_command_refuses_an_unknown_user():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No user"):
        call_command("reset_two_factor", "nobody")


# -- hostile input -----------------------------------------------------------------------------

HOSTILE = [
    '<script>alert("x")</script>',
    "1" * 100_000,
    "123\x00456",
    "١٢٣٤٥٦",
    "12345",
    "-- --",
    "",
    "abcde-fghjk" * 3,
]


def test_hostile_codes_never_fail_the_server(client, alice, enrolled, clock):
    log_in(client)
    for hostile in HOSTILE:
        response = client.post(CODE, {"code": hostile})
        assert response.status_code == 200, repr(hostile[:20])
        assert "<script>alert" not in response.content.decode()
    assert client.session[mfa.FAILURES_KEY] == 0, "malformed input is refused before it counts as a try"
    response = client.post(CODE, {"code": ["123456", "654321"]})
    assert response.status_code == 200


def test_hostile_input_on_the_setup_and_disable_forms(client, alice, clock):
    client.force_login(alice)
    client.get(SETUP)
    for hostile in HOSTILE:
        response = client.post(SETUP, {"code": hostile})
        assert response.status_code == 200
        assert "<script>alert" not in response.content.decode()
    enrol(client, alice, clock)
    for hostile in HOSTILE:
        clock.shift(60)
        response = client.post(reverse("two_factor_disable"), {"password": hostile, "code": hostile})
        assert response.status_code == 200
        assert "<script>alert" not in response.content.decode()
    assert TOTPDevice.objects.filter(user=alice, confirmed=True).exists()


def test_a_tampered_pending_login_goes_back_to_the_start(client, alice, enrolled, clock):
    log_in(client)
    alice.is_active = False  # deactivated between the two steps, too
    alice.save()
    now = int(START.timestamp())
    allow_all = "django.contrib.auth.backends.AllowAllUsersModelBackend"
    for tampered in [
        "nonsense",
        {"user": alice.pk},
        {"user": "x", "backend": "os.system", "started": now},
        {"user": alice.pk, "backend": allow_all, "started": now},
        {"user": alice.pk, "backend": "freelance.accounts.backends.ModelBackend", "started": now},
    ]:
        session = client.session
        session[mfa.PENDING_KEY] = tampered
        session.save()
        assert client.post(CODE, {"code": code_for(alice)})["Location"] == LOGIN
        assert not is_logged_in(client)
