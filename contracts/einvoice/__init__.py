"""E-invoices in the European standard (EN 16931), made from a sent invoice's frozen data.

``document.document_for`` reads the invoice once into the standard's terms (parties, lines,
VAT breakdown, payment); ``cii`` writes that as UN/CEFACT CII D16B (Factur-X EN 16931, embedded
in the invoice's PDF/A-3) and ``ubl`` as UBL 2.1 (Peppol BIS Billing 3.0, or SI-UBL 2.0 /
NLCIUS). The tests validate both with the official artefacts (tests/einvoice/artefacts/).
"""

from __future__ import annotations

from freelance.lib.rules import RuleViolation


class EInvoiceUnavailable(RuleViolation):
    """The invoice lacks something the standard requires; the message says what."""
