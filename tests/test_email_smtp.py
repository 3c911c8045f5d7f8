from __future__ import annotations

from django.core.mail import EmailMultiAlternatives


def test_mail_goes_through_real_smtp(mailbox):
    message = EmailMultiAlternatives(
        subject="Fase 1 opgeleverd: graag uw akkoord",
        body="Beste Jan,\n\nFase 1 is opgeleverd. Totaal € 1.210,00.",
        from_email="Sanne de Vries <sanne@example.nl>",
        to=["jan@bakkerij.example"],
    )
    message.attach_alternative("<p>Fase 1 is opgeleverd. Totaal &euro; 1.210,00.</p>", "text/html")
    assert message.send() == 1

    assert len(mailbox) == 1
    received = mailbox[0]
    assert received["Subject"] == "Fase 1 opgeleverd: graag uw akkoord"
    assert received["X-Envelope-To"] == "jan@bakkerij.example"
    assert "€ 1.210,00" in received.get_body(preferencelist=("plain",)).get_content()
    assert "&euro; 1.210,00" in received.get_body(preferencelist=("html",)).get_content()
