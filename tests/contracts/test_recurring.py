"""Recurring agreements: period arithmetic, the sweep that drafts each period once, and the pages.

The worker test (real Redis, a real worker, a two-month outage) is test_recurring_worker.py.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from contracts import recurring
from contracts.models import Invoice, RecurringAgreement, RecurringEvent, RecurringLine
from freelance.outbox.models import OutgoingEmail
from freelance.reminders.models import Reminder
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
M, Q, Y = RecurringAgreement.Period.MONTHLY, RecurringAgreement.Period.QUARTERLY, RecurringAgreement.Period.YEARLY


def at(day: date, hour: int = 10):
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=AMSTERDAM), tick=False)


def agreement_for(owner, *, start=date(2026, 1, 1), period=M, draft_day=1, end=None, client=None, **line):
    client = client or ClientFactory(owner=owner, name=f"Hotel {owner.username}", language="en")
    agreement = RecurringAgreement.objects.create(
        owner=owner,
        client=client,
        description="Hosting and support",
        period=period,
        start_date=start,
        end_date=end,
        draft_day=draft_day,
        drafts_from=start,
    )
    RecurringLine.objects.create(
        agreement=agreement,
        description=line.get("description", "Hosting"),
        quantity=Decimal("1"),
        unit="month",
        unit_price=line.get("unit_price", Decimal("45.00")),
    )
    return agreement


# -- period arithmetic ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "period", "number", "first", "last"),
    [
        # Month ends: the 31st gives the month's last day, then the 31st again (no drift).
        (date(2026, 1, 31), M, 1, date(2026, 1, 31), date(2026, 2, 27)),
        (date(2026, 1, 31), M, 2, date(2026, 2, 28), date(2026, 3, 30)),
        (date(2026, 1, 31), M, 3, date(2026, 3, 31), date(2026, 4, 29)),
        (date(2026, 1, 31), M, 4, date(2026, 4, 30), date(2026, 5, 30)),
        # A leap year: 29 February.
        (date(2028, 1, 31), M, 2, date(2028, 2, 29), date(2028, 3, 30)),
        (date(2028, 1, 30), M, 2, date(2028, 2, 29), date(2028, 3, 29)),
        # Across the year.
        (date(2026, 12, 15), M, 2, date(2027, 1, 15), date(2027, 2, 14)),
        (date(2026, 1, 1), M, 13, date(2027, 1, 1), date(2027, 1, 31)),
        # Quarters.
        (date(2026, 1, 1), Q, 1, date(2026, 1, 1), date(2026, 3, 31)),
        (date(2026, 1, 1), Q, 4, date(2026, 10, 1), date(2026, 12, 31)),
        (date(2026, 11, 30), Q, 2, date(2027, 2, 28), date(2027, 5, 29)),
        (date(2026, 11, 30), Q, 3, date(2027, 5, 30), date(2027, 8, 29)),
        # Years, from a 29 February.
        (date(2024, 2, 29), Y, 1, date(2024, 2, 29), date(2025, 2, 27)),
        (date(2024, 2, 29), Y, 2, date(2025, 2, 28), date(2026, 2, 27)),
        (date(2024, 2, 29), Y, 5, date(2028, 2, 29), date(2029, 2, 27)),
        (date(2026, 7, 1), Y, 2, date(2027, 7, 1), date(2028, 6, 30)),
    ],
)
def test_periods_are_counted_from_the_first_day(start, period, number, first, last):
    agreement = RecurringAgreement(start_date=start, period=period, draft_day=1, drafts_from=start)
    dates = recurring.period(agreement, number)
    assert (dates.start, dates.end) == (first, last)
    assert dates.draft_on == first


@pytest.mark.parametrize(
    ("start", "draft_day", "number", "draft_on"),
    [
        (date(2026, 1, 1), 15, 1, date(2026, 1, 15)),
        (date(2026, 1, 1), 28, 2, date(2026, 2, 28)),  # the 28th: a day every month has
        (date(2026, 1, 31), 28, 2, date(2026, 3, 27)),  # 28 February + 27 days
        (date(2026, 1, 1), 28, 1, date(2026, 1, 28)),
    ],
)
def test_the_drafting_day_is_a_day_of_the_period(start, draft_day, number, draft_on):
    agreement = RecurringAgreement(start_date=start, period=M, draft_day=draft_day, drafts_from=start)
    assert recurring.period(agreement, number).draft_on == draft_on


# -- the sweep (in this process; the worker test runs it in a worker) ---------------------------


def test_each_period_is_drafted_once_on_its_day(alice):
    agreement = agreement_for(alice, start=date(2026, 1, 1), draft_day=5)
    with at(date(2026, 1, 4)):
        assert recurring.sweep_recurring_invoices().sent == 0
    with at(date(2026, 1, 5)):
        assert recurring.sweep_recurring_invoices().sent == 1
        assert recurring.sweep_recurring_invoices().sent == 0
    invoice = Invoice.objects.get(recurring=agreement)
    assert invoice.is_draft and invoice.recurring_period == 1
    assert invoice.delivery_date == date(2026, 1, 31)
    assert "1 January 2026" in invoice.note and "31 January 2026" in invoice.note
    line = invoice.lines.get()
    assert line.description == "Hosting, 1 January 2026 to 31 January 2026"
    assert (line.quantity, line.unit_price, line.vat_percent) == (Decimal("1"), Decimal("45.00"), Decimal("21"))


def test_after_an_outage_every_missed_period_is_drafted_once_dated_for_its_period(alice):
    agreement = agreement_for(alice, start=date(2026, 1, 31))
    with at(date(2026, 2, 1)):
        assert recurring.sweep_recurring_invoices().sent == 1
    # Nothing ran for three months.
    with at(date(2026, 5, 2)):
        assert recurring.sweep_recurring_invoices().sent == 3
        assert recurring.sweep_recurring_invoices().sent == 0
    periods = list(
        Invoice.objects.filter(recurring=agreement)
        .order_by("recurring_period")
        .values_list("recurring_period", "delivery_date")
    )
    assert periods == [
        (1, date(2026, 2, 27)),
        (2, date(2026, 3, 30)),
        (3, date(2026, 4, 29)),
        (4, date(2026, 5, 30)),
    ]
    assert Reminder.objects.filter(kind=Reminder.Kind.RECURRING_INVOICE, object_id=agreement.pk).count() == 4
    assert RecurringEvent.objects.filter(agreement=agreement, kind=RecurringEvent.Kind.DRAFTED).count() == 4


def test_a_deleted_draft_is_not_drafted_again(alice):
    agreement = agreement_for(alice)
    with at(date(2026, 1, 2)):
        recurring.sweep_recurring_invoices()
        Invoice.objects.get(recurring=agreement).delete()
        assert recurring.sweep_recurring_invoices().sent == 0


def test_no_period_after_the_last_day_and_none_before_the_first(alice):
    agreement = agreement_for(alice, start=date(2026, 3, 1), end=date(2026, 4, 15))
    with at(date(2026, 2, 20)):
        assert recurring.sweep_recurring_invoices().sent == 0
    with at(date(2026, 9, 1)):
        assert recurring.sweep_recurring_invoices().sent == 2  # March, and April (starts before the last day)
    assert sorted(Invoice.objects.filter(recurring=agreement).values_list("recurring_period", flat=True)) == [1, 2]


def test_paused_periods_stay_unbilled_and_resuming_drafts_from_that_day(alice):
    agreement = agreement_for(alice)
    with at(date(2026, 1, 10)):
        recurring.sweep_recurring_invoices()
        agreement.pause(alice)
    with at(date(2026, 3, 10)):
        assert recurring.sweep_recurring_invoices().sent == 0
        agreement.resume(alice)
        assert recurring.sweep_recurring_invoices().sent == 0  # February and March fell in the pause
    with at(date(2026, 4, 1)):
        assert recurring.sweep_recurring_invoices().sent == 1
    assert sorted(Invoice.objects.filter(recurring=agreement).values_list("recurring_period", flat=True)) == [1, 4]


def test_an_ended_agreement_drafts_nothing(alice):
    agreement = agreement_for(alice)
    agreement.end(alice)
    with at(date(2026, 6, 1)):
        assert recurring.sweep_recurring_invoices().sent == 0


def test_the_freelancer_gets_a_notice_per_draft(alice):
    agreement = agreement_for(alice)
    with at(date(2026, 2, 1)):
        recurring.sweep_recurring_invoices()
    mails = OutgoingEmail.objects.filter(owner=alice, kind="recurring_drafted")
    assert mails.count() == 2
    assert all(mail.to == [alice.email] for mail in mails)
    assert all(reverse("contracts:recurring_detail", args=[agreement.pk]) in mail.body_text for mail in mails)


def test_the_small_business_scheme_drafts_without_vat(alice):
    from contracts.models import BusinessProfile

    BusinessProfile.objects.create(owner=alice, business_name="Studio", small_business_scheme=True)
    agreement = agreement_for(alice)
    with at(date(2026, 1, 1)):
        recurring.sweep_recurring_invoices()
    assert Invoice.objects.get(recurring=agreement).small_business_scheme


# -- forms and pages ---------------------------------------------------------------------------


def form_data(client_pk, **overrides):
    data = {
        "client": client_pk,
        "description": "Hosting and support",
        "period": "monthly",
        "start_date": "2026-01-01",
        "end_date": "",
        "draft_day": "1",
        "lines-TOTAL_FORMS": "2",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "20",
        "lines-0-description": "Hosting",
        "lines-0-quantity": "1",
        "lines-0-unit": "month",
        "lines-0-unit_price": "45.00",
        "lines-0-vat_percent": "21",
        "lines-1-description": "",
        "lines-1-quantity": "1",
        "lines-1-unit": "",
        "lines-1-unit_price": "",
        "lines-1-vat_percent": "21",
    }
    data.update(overrides)
    return data


@pytest.fixture
def today():
    with at(date(2026, 1, 15)):
        yield date(2026, 1, 15)


def test_it_makes_an_agreement_with_its_lines(alice_client, alice, today):
    client = ClientFactory(owner=alice)
    response = alice_client.post(reverse("contracts:recurring_new"), form_data(client.pk))
    agreement = RecurringAgreement.objects.get(owner=alice)
    assert response.status_code == 302
    assert response["Location"] == reverse("contracts:recurring_detail", args=[agreement.pk])
    assert agreement.drafts_from == date(2026, 1, 1)
    assert [(line.description, line.unit_price) for line in agreement.lines.all()] == [("Hosting", Decimal("45.00"))]
    page = alice_client.get(response["Location"])
    assert page.status_code == 200
    assert "Hosting and support" in page.content.decode()
    assert page.context["totals"].total == Decimal("54.45")  # 45.00 and 21% VAT
    assert "54,45" in page.content.decode()  # the Dutch interface writes it with a comma


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"lines-0-unit_price": "-45.00"}, "line:unit_price"),
        ({"lines-0-quantity": "-1"}, "line:quantity"),
        ({"lines-0-quantity": "0"}, "line:quantity"),
        ({"lines-0-unit_price": "1e400"}, "line:unit_price"),
        ({"lines-0-unit_price": "NaN"}, "line:unit_price"),
        ({"lines-0-vat_percent": "19"}, "line:vat_percent"),
        ({"end_date": "2025-12-31"}, "end_date"),
        ({"start_date": "2020-01-01"}, "start_date"),
        ({"start_date": "not a date"}, "start_date"),
        ({"draft_day": "31"}, "draft_day"),
        ({"draft_day": "0"}, "draft_day"),
        ({"period": "weekly"}, "period"),
        ({"description": "x" * 100_000}, "description"),
        ({"lines-0-description": "y" * 100_000}, "line:description"),
        ({"lines-0-description": "", "lines-0-unit": "", "lines-0-unit_price": ""}, "lines"),
    ],
)
def test_hostile_input_is_refused_with_what_was_typed(alice_client, alice, today, overrides, field):
    client = ClientFactory(owner=alice)
    response = alice_client.post(reverse("contracts:recurring_new"), form_data(client.pk, **overrides))
    assert response.status_code == 422
    assert not RecurringAgreement.objects.exists()
    form, lines = response.context["form"], response.context["lines"]
    if field == "lines":
        assert lines.non_form_errors()
    elif field.startswith("line:"):
        assert lines.forms[0].errors.get(field.removeprefix("line:")), lines.errors
    else:
        assert form.errors.get(field), form.errors
    if "description" not in overrides:
        assert 'value="Hosting and support"' in response.content.decode()


def test_another_freelancers_client_is_not_a_choice(alice_client, alice, bob, today):
    bobs = ClientFactory(owner=bob, name="Garage Bob")
    response = alice_client.post(reverse("contracts:recurring_new"), form_data(bobs.pk))
    assert response.status_code == 422
    assert response.context["form"].errors["client"]
    assert "Garage Bob" not in response.content.decode()
    assert not RecurringAgreement.objects.exists()


def test_html_is_kept_as_text_and_shown_escaped(alice_client, alice, today):
    client = ClientFactory(owner=alice)
    script = "<script>alert('x')</script>"
    alice_client.post(
        reverse("contracts:recurring_new"), form_data(client.pk, description=script, **{"lines-0-description": script})
    )
    agreement = RecurringAgreement.objects.get()
    assert agreement.description == script
    page = alice_client.get(reverse("contracts:recurring_detail", args=[agreement.pk])).content.decode()
    assert script not in page
    assert "&lt;script&gt;" in page


def test_a_tampered_formset_count_is_no_server_error(alice_client, alice, today):
    client = ClientFactory(owner=alice)
    data = form_data(client.pk, **{"lines-TOTAL_FORMS": "100000", "lines-INITIAL_FORMS": "5"})
    response = alice_client.post(reverse("contracts:recurring_new"), data)
    assert response.status_code in (200, 422)
    data = form_data(client.pk, **{"lines-TOTAL_FORMS": "abc"})
    # A count that is no number is rebuilt from the rows posted: the typed line is kept and saved.
    assert alice_client.post(reverse("contracts:recurring_new"), data).status_code == 302
    assert list(RecurringLine.objects.values_list("description", flat=True)) == ["Hosting"]


def test_the_first_day_and_period_are_fixed_once_a_period_is_drafted(alice_client, alice):
    agreement = agreement_for(alice)
    with at(date(2026, 1, 2)):
        recurring.sweep_recurring_invoices()
        line = agreement.lines.get()
        data = form_data(
            agreement.client_id,
            start_date="2026-01-20",
            period="yearly",
            description="Hosting, support and backups",
            **{
                "lines-INITIAL_FORMS": "1",
                "lines-0-id": str(line.pk),
                "lines-0-agreement": str(agreement.pk),
                "lines-0-unit_price": "50.00",
            },
        )
        response = alice_client.post(reverse("contracts:recurring_edit", args=[agreement.pk]), data)
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert (agreement.start_date, agreement.period) == (date(2026, 1, 1), "monthly")
    assert agreement.description == "Hosting, support and backups"
    assert agreement.lines.get().unit_price == Decimal("50.00")
    # The drafted invoice keeps its own lines.
    assert Invoice.objects.get(recurring=agreement).lines.get().unit_price == Decimal("45.00")


def test_pause_resume_and_end_are_guarded_and_a_double_post_changes_once(alice_client, alice):
    agreement = agreement_for(alice)
    pause = reverse("contracts:recurring_pause", args=[agreement.pk])
    resume = reverse("contracts:recurring_resume", args=[agreement.pk])
    end = reverse("contracts:recurring_end", args=[agreement.pk])
    assert alice_client.get(pause).status_code == 405
    assert alice_client.post(pause).status_code == 302
    assert alice_client.post(pause).status_code == 302  # the double click
    agreement.refresh_from_db()
    assert agreement.status == "paused"
    assert agreement.events.filter(kind="paused").count() == 1
    alice_client.post(resume)
    alice_client.post(resume)
    assert agreement.events.filter(kind="resumed").count() == 1
    alice_client.post(end)
    response = alice_client.post(end, follow=True)
    assert [m.level_tag for m in response.context["messages"]][-1] == "error"  # refused, not a second end
    alice_client.post(resume)
    agreement.refresh_from_db()
    assert agreement.status == "ended"
    assert agreement.events.filter(kind="ended").count() == 1
    assert agreement.events.filter(kind="resumed").count() == 1
    # An ended agreement is not edited any more.
    edit = reverse("contracts:recurring_edit", args=[agreement.pk])
    assert alice_client.get(edit)["Location"] == reverse("contracts:recurring_detail", args=[agreement.pk])


def test_another_freelancer_gets_404_on_every_page_of_the_agreement(client, alice, bob):
    agreement = agreement_for(alice)
    client.force_login(bob)
    for name in ("recurring_detail", "recurring_edit"):
        assert client.get(reverse(f"contracts:{name}", args=[agreement.pk])).status_code == 404
    edit = reverse("contracts:recurring_edit", args=[agreement.pk])
    assert client.post(edit, form_data(agreement.client_id)).status_code == 404
    for name in ("recurring_pause", "recurring_resume", "recurring_end"):
        assert client.post(reverse(f"contracts:{name}", args=[agreement.pk])).status_code == 404
    assert "Hosting and support" not in client.get(reverse("contracts:recurring_list")).content.decode()
    agreement.refresh_from_db()
    assert agreement.status == "active" and agreement.description == "Hosting and support"
    assert not agreement.events.exists()


def test_the_pages_need_a_login(client, alice):
    agreement = agreement_for(alice)
    for url in (reverse("contracts:recurring_list"), reverse("contracts:recurring_detail", args=[agreement.pk])):
        assert client.get(url).status_code == 302


def test_the_list_runs_the_same_queries_for_one_agreement_or_many(alice_client, alice):
    client = ClientFactory(owner=alice)
    agreement_for(alice, client=client)
    url = reverse("contracts:recurring_list")
    alice_client.get(url)  # warm the session and the user
    with CaptureQueriesContext(connection) as one:
        assert alice_client.get(url).status_code == 200
    for _n in range(6):
        agreement_for(alice, client=client)
    with CaptureQueriesContext(connection) as seven:
        response = alice_client.get(url)
    assert len(seven) == len(one)
    assert response.content.decode().count("Hosting and support") == 7


def test_the_detail_page_lists_the_drafted_invoices(alice_client, alice):
    agreement = agreement_for(alice)
    with at(date(2026, 2, 3)):
        recurring.sweep_recurring_invoices()
        page = alice_client.get(reverse("contracts:recurring_detail", args=[agreement.pk])).content.decode()
    for invoice in Invoice.objects.filter(recurring=agreement):
        assert reverse("contracts:invoice_detail", args=[invoice.pk]) in page
    assert len(re.findall(r'href="/invoices/\d+/"', page)) == 2


def test_the_forms_open_and_a_client_can_be_chosen_by_link(alice_client, alice):
    empty = alice_client.get(reverse("contracts:recurring_new"))
    assert empty.context["has_clients"] is False
    assert reverse("projects:client_create") in empty.content.decode()
    agreement = agreement_for(alice)
    page = alice_client.get(reverse("contracts:recurring_new") + f"?client={agreement.client_id}&x=<b>")
    assert page.status_code == 200
    assert page.context["form"].initial["client"] == agreement.client_id
    assert alice_client.get(reverse("contracts:recurring_new") + "?client=abc").status_code == 200
    edit = alice_client.get(reverse("contracts:recurring_edit", args=[agreement.pk]))
    assert edit.status_code == 200
    assert 'value="Hosting"' in edit.content.decode()


@pytest.mark.parametrize("field", ["quantity", "unit_price", "vat_percent"])
@pytest.mark.parametrize("value", ["sNaN", "NaN", "Infinity", "<script>alert(1)</script>", "0x10", "1,5", "a\x00b"])
def test_a_line_number_that_is_no_number_is_refused_and_shown_again(alice_client, alice, today, field, value):
    """A formset compares each value before it validates it: a signalling NaN or text in the VAT
    choice raised a decimal error there (a 500)."""
    client = ClientFactory(owner=alice)
    response = alice_client.post(
        reverse("contracts:recurring_new"), form_data(client.pk, **{f"lines-0-{field}": value})
    )
    assert response.status_code == 422
    assert not RecurringAgreement.objects.exists()
    if field != "vat_percent":  # a select shows its choices, not what was posted
        assert f'value="{escape(value)}"' in response.content.decode()


@pytest.mark.parametrize(
    "tampered", [{"lines-TOTAL_FORMS": "<script>"}, {"lines-TOTAL_FORMS": ""}, {"lines-INITIAL_FORMS": "x"}]
)
def test_tampered_hidden_counts_lose_no_typed_line(alice_client, alice, today, tampered):
    client = ClientFactory(owner=alice)
    data = form_data(client.pk, **{"lines-1-description": "Support", "lines-1-unit_price": "<b>60</b>"}, **tampered)
    response = alice_client.post(reverse("contracts:recurring_new"), data)
    assert response.status_code == 422
    page = response.content.decode()
    assert 'value="Hosting"' in page and 'value="Support"' in page and escape("<b>60</b>") in page
