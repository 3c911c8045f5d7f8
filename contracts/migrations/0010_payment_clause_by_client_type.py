"""The default payment clause gets a wording per type of client (issue 12).

Between businesses: in default without further notice, the statutory commercial interest
(art. 6:119a BW) and collection costs per the statutory scale with a minimum of € 40. With a
consumer none of that may be promised: the statutory interest (art. 6:119 BW), and collection
costs only after the free 14-day letter (art. 6:96 lid 6 BW), counted from the day after
receipt. The clause carries both paragraphs, each under a condition (`{{ if client.business }}`,
`{{ if client.consumer }}`), and the contract shows the one that fits the client.

A new version of the install's default is added only where the current default is still the
text migration 0002 loaded: a default the operator edited stays as it is, and so does every
freelancer's own copy (they have an owner) and every contract already drafted (its clauses are
copies). The texts are frozen here, like 0002's: this migration imports nothing live.
"""

from django.db import migrations, transaction

KEY = "payment"
CHANGE_NOTE = {
    "nl": "Betalingsclausule per soort opdrachtgever: bedrijf of consument",
    "en": "Payment clause by type of client: business or consumer",
}

PAYMENT = [
    {
        "language": "nl",
        "old_body": (
            "De waarde van een dienst daalt zodra hij is geleverd. Daarom factureert de opdrachtnemer bij de oplevering en acceptatie, en niet maanden later:\n"
            "\n"
            "- een fase met een vaste prijs bij haar acceptatie, of op het moment dat zij als geaccepteerd geldt;\n"
            "- werk op basis van nacalculatie en extra werk uit het bakje bij de oplevering van dat werk, en ten minste eenmaal per maand;\n"
            "- kosten van inhuur op kosten van de opdrachtgever zodra die kosten zijn gemaakt.\n"
            "\n"
            "De opdrachtgever betaalt elke factuur binnen {{ payment_term }} dagen na de factuurdatum op rekening {{ freelancer.iban }} ten name van {{ freelancer.business_name }}, onder vermelding van het factuurnummer. Heeft de opdrachtgever bezwaar tegen een factuur, dan meldt hij dat binnen die termijn schriftelijk en met redenen. Het deel waarover geen verschil van mening bestaat, betaalt hij op tijd.\n"
            "\n"
            'Zolang een factuur na de betaaltermijn niet is betaald, begint de opdrachtnemer niet aan nieuw werk voor de opdrachtgever, ook niet aan de volgende fase. Het principe is eenvoudig: "Ik zou wel willen, maar ik kan niet: zo werk ik niet." De deadline van het werk dat daardoor niet kan beginnen, schuift op met het aantal werkdagen dat de betaling te laat is. Dit is geen straf, maar de afspraak; de opdrachtnemer meldt het vooraf.\n'
            "\n"
            "Na de vervaldag stuurt de opdrachtnemer eerst een herinnering. Betaalt de opdrachtgever niet op tijd, dan is hij zonder verdere ingebrekestelling in verzuim en is hij vanaf de vervaldag de wettelijke handelsrente verschuldigd (artikel 6:119a Burgerlijk Wetboek). Moet de opdrachtnemer de vordering laten incasseren, dan zijn ook de buitengerechtelijke incassokosten verschuldigd volgens de wettelijke staffel uit het Besluit vergoeding voor buitengerechtelijke incassokosten, met een minimum van € 40."
        ),
        "body": (
            "De waarde van een dienst daalt zodra hij is geleverd. Daarom factureert de opdrachtnemer bij de oplevering en acceptatie, en niet maanden later:\n"
            "\n"
            "- een fase met een vaste prijs bij haar acceptatie, of op het moment dat zij als geaccepteerd geldt;\n"
            "- werk op basis van nacalculatie en extra werk uit het bakje bij de oplevering van dat werk, en ten minste eenmaal per maand;\n"
            "- kosten van inhuur op kosten van de opdrachtgever zodra die kosten zijn gemaakt.\n"
            "\n"
            "De opdrachtgever betaalt elke factuur binnen {{ payment_term }} dagen na de factuurdatum op rekening {{ freelancer.iban }} ten name van {{ freelancer.business_name }}, onder vermelding van het factuurnummer. Heeft de opdrachtgever bezwaar tegen een factuur, dan meldt hij dat binnen die termijn schriftelijk en met redenen. Het deel waarover geen verschil van mening bestaat, betaalt hij op tijd.\n"
            "\n"
            'Zolang een factuur na de betaaltermijn niet is betaald, begint de opdrachtnemer niet aan nieuw werk voor de opdrachtgever, ook niet aan de volgende fase. Het principe is eenvoudig: "Ik zou wel willen, maar ik kan niet: zo werk ik niet." De deadline van het werk dat daardoor niet kan beginnen, schuift op met het aantal werkdagen dat de betaling te laat is. Dit is geen straf, maar de afspraak; de opdrachtnemer meldt het vooraf.\n'
            "\n"
            "{{ if client.business }}\n"
            "Na de vervaldag stuurt de opdrachtnemer eerst een herinnering. Betaalt de opdrachtgever niet op tijd, dan is hij zonder verdere ingebrekestelling in verzuim en is hij vanaf de vervaldag de wettelijke handelsrente verschuldigd (artikel 6:119a Burgerlijk Wetboek). Moet de opdrachtnemer de vordering laten incasseren, dan zijn ook de buitengerechtelijke incassokosten verschuldigd volgens de wettelijke staffel uit het Besluit vergoeding voor buitengerechtelijke incassokosten, met een minimum van € 40.\n"
            "\n"
            "{{ if client.consumer }}\n"
            "Na de vervaldag stuurt de opdrachtnemer eerst een kosteloze aanmaning, de 14-dagenbrief (artikel 6:96 lid 6 Burgerlijk Wetboek). Daarin krijgt de opdrachtgever veertien (14) dagen om alsnog te betalen, te rekenen vanaf de dag na ontvangst van de aanmaning, en staat welk bedrag aan buitengerechtelijke incassokosten hij verschuldigd wordt als hij niet binnen die termijn betaalt. Alleen als de opdrachtgever ook binnen die veertien dagen niet betaalt, zijn die incassokosten verschuldigd, berekend volgens de staffel uit het Besluit vergoeding voor buitengerechtelijke incassokosten, met een minimum van € 40. Is de opdrachtgever in verzuim, dan is hij over het openstaande bedrag de wettelijke rente verschuldigd (artikel 6:119 Burgerlijk Wetboek)."
        ),
    },
    {
        "language": "en",
        "old_body": (
            "The value of a service falls once it has been delivered. That is why the contractor invoices at delivery and acceptance, not months later:\n"
            "\n"
            "- a fixed-price phase at its acceptance, or when it counts as accepted;\n"
            "- time-and-materials work and extra work from the bucket at delivery of that work, and at least once a month;\n"
            "- the cost of hiring in at the client's cost as soon as that cost has been incurred.\n"
            "\n"
            "The client pays every invoice within {{ payment_term }} days of the invoice date into account {{ freelancer.iban }} in the name of {{ freelancer.business_name }}, quoting the invoice number. If the client disputes an invoice, it says so in writing, with reasons, within that term. The undisputed part is paid on time.\n"
            "\n"
            "As long as an invoice remains unpaid after its payment term, the contractor does not start new work for the client, including the next phase. The principle is simple: \"I would, but I can't: that's not how I work.\" The deadline of the work that cannot start moves by the number of working days the payment is late. This is not a penalty but the agreement; the contractor announces it in advance.\n"
            "\n"
            "After the due date the contractor first sends a reminder. If the client does not pay on time, the client is in default without further notice and owes the statutory commercial interest from the due date (article 6:119a of the Dutch Civil Code). If the contractor has to have the claim collected, the client also owes the extrajudicial collection costs according to the statutory scale of the Dutch Decree on extrajudicial collection costs (Besluit vergoeding voor buitengerechtelijke incassokosten), with a minimum of € 40."
        ),
        "body": (
            "The value of a service falls once it has been delivered. That is why the contractor invoices at delivery and acceptance, not months later:\n"
            "\n"
            "- a fixed-price phase at its acceptance, or when it counts as accepted;\n"
            "- time-and-materials work and extra work from the bucket at delivery of that work, and at least once a month;\n"
            "- the cost of hiring in at the client's cost as soon as that cost has been incurred.\n"
            "\n"
            "The client pays every invoice within {{ payment_term }} days of the invoice date into account {{ freelancer.iban }} in the name of {{ freelancer.business_name }}, quoting the invoice number. If the client disputes an invoice, it says so in writing, with reasons, within that term. The undisputed part is paid on time.\n"
            "\n"
            "As long as an invoice remains unpaid after its payment term, the contractor does not start new work for the client, including the next phase. The principle is simple: \"I would, but I can't: that's not how I work.\" The deadline of the work that cannot start moves by the number of working days the payment is late. This is not a penalty but the agreement; the contractor announces it in advance.\n"
            "\n"
            "{{ if client.business }}\n"
            "After the due date the contractor first sends a reminder. If the client does not pay on time, the client is in default without further notice and owes the statutory commercial interest from the due date (article 6:119a of the Dutch Civil Code). If the contractor has to have the claim collected, the client also owes the extrajudicial collection costs according to the statutory scale of the Dutch Decree on extrajudicial collection costs (Besluit vergoeding voor buitengerechtelijke incassokosten), with a minimum of € 40.\n"
            "\n"
            "{{ if client.consumer }}\n"
            "After the due date the contractor first sends a free reminder, the 14-day letter (article 6:96(6) of the Dutch Civil Code). It gives the client fourteen (14) days to pay, counted from the day after the client receives it, and states the amount of extrajudicial collection costs the client will owe if the client does not pay within that term. Only if the client has not paid within those fourteen days are those collection costs owed, calculated according to the scale of the Dutch Decree on extrajudicial collection costs (Besluit vergoeding voor buitengerechtelijke incassokosten), with a minimum of € 40. Once the client is in default, the client owes the statutory interest on the amount outstanding (article 6:119 of the Dutch Civil Code)."
        ),
    },
]


def add_payment_clause_by_client_type(apps, schema_editor):
    ClauseTemplate = apps.get_model("contracts", "ClauseTemplate")
    with transaction.atomic():
        for row in PAYMENT:
            current = (
                ClauseTemplate.objects.filter(owner__isnull=True, key=KEY, language=row["language"])
                .order_by("-version")
                .first()
            )
            if current is None or current.body != row["old_body"]:
                continue  # no default (the seed brings today's), already done, or the operator's own text
            ClauseTemplate.objects.create(
                key=KEY,
                language=row["language"],
                version=current.version + 1,
                category=current.category,
                title=current.title,
                body=row["body"],
                change_note=CHANGE_NOTE[row["language"]],
            )


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0009_invoice_payment_claim_deposit"),
    ]

    operations = [
        migrations.RunPython(add_payment_clause_by_client_type, migrations.RunPython.noop),
    ]
