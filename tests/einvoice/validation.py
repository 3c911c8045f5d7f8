"""Validate e-invoices with the official artefacts vendored in ``artefacts/`` (see its README).

- XSD: lxml, against the UN/CEFACT CII D16B schema and the OASIS UBL 2.1 schemas.
- Schematron: the published XSLT (EN 16931, CEN/TC 434) run by Saxon (saxonche); rules that
  are published only as ``.sch`` (Peppol BIS 3.0, NLCIUS) are compiled to XSLT here with the
  ISO Schematron skeleton (XSLT 2), once per test session.

Results are SVRL; ``failed_asserts`` lists every failed assert (and successful report) whose
flag is fatal or error, or that has no flag (the Schematron default is an error).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from tests.helpers import require, require_command

ARTEFACTS = Path(__file__).parent / "artefacts"
SVRL = "http://purl.oclc.org/dsdl/svrl"
BLOCKING_FLAGS = {"fatal", "error", ""}

CII_XSD = ARTEFACTS / "cii-d16b" / "CrossIndustryInvoice_100pD16B.xsd"
UBL_XSD = {
    "Invoice": ARTEFACTS / "ubl-2.1" / "maindoc" / "UBL-Invoice-2.1.xsd",
    "CreditNote": ARTEFACTS / "ubl-2.1" / "maindoc" / "UBL-CreditNote-2.1.xsd",
}
EN16931_CII_XSLT = ARTEFACTS / "en16931" / "EN16931-CII-validation.xslt"
EN16931_UBL_XSLT = ARTEFACTS / "en16931" / "EN16931-UBL-validation.xslt"
PEPPOL_SCH = ARTEFACTS / "peppol-bis-3" / "PEPPOL-EN16931-UBL.sch"
NLCIUS_PATTERN = ARTEFACTS / "nlcius" / "si-ubl-2.0-nlcius.sch"
SKELETON = ARTEFACTS / "schematron-skeleton" / "iso_svrl_for_xslt2.xsl"

# The namespaces of si-ubl-2.0.sch, the NPa's top-level schema that includes the NLCIUS pattern.
NLCIUS_NAMESPACES = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "ubl": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    "cn": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
    "xs": "http://www.w3.org/2001/XMLSchema",
}


def require_saxon():
    try:
        from saxonche import PySaxonProcessor
    except ImportError:
        PySaxonProcessor = None
    require(PySaxonProcessor is not None, "saxonche (Schematron validation) is not installed")
    return PySaxonProcessor


def require_pdfdetach() -> str:
    return require_command("pdfdetach")


@dataclass
class Failure:
    id: str
    flag: str
    location: str
    text: str

    def __str__(self) -> str:
        return f"[{self.flag or 'error'}] {self.id}: {self.text} (at {self.location})"


def xsd_errors(xml: bytes, xsd: Path) -> list[str]:
    schema = _schema(str(xsd))
    document = etree.fromstring(xml)
    if schema.validate(document):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


@functools.cache
def _schema(path: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(path))


@functools.cache
def _processor():
    PySaxonProcessor = require_saxon()
    return PySaxonProcessor(license=False)


@functools.cache
def _executable(xslt_path: str):
    processor = _processor()
    return processor.new_xslt30_processor().compile_stylesheet(stylesheet_file=xslt_path)


def _compiled_schematron(schema: bytes, name: str, build_dir: Path) -> Path:
    """Compile a Schematron schema to an XSLT 2 stylesheet with the ISO skeleton."""
    target = build_dir / f"{name}.xslt"
    if target.exists():
        return target
    source = build_dir / f"{name}.sch"
    source.write_bytes(schema)
    compiler = _executable(str(SKELETON))
    compiler.transform_to_file(source_file=str(source), output_file=str(target))
    return target


def peppol_xslt(build_dir: Path) -> Path:
    return _compiled_schematron(PEPPOL_SCH.read_bytes(), "peppol-bis-3", build_dir)


def nlcius_xslt(build_dir: Path) -> Path:
    """The NLCIUS pattern of SI-UBL 2.0 on its own, in a schema with si-ubl-2.0.sch's namespaces.

    si-ubl-2.0.sch also includes a copy of the EN 16931 rules (CEN 1.3.15); those run here
    from CEN's own XSLT (1.3.16) instead, so the NLCIUS layer is compiled alone.
    """
    sch = "http://purl.oclc.org/dsdl/schematron"
    schema = etree.Element(f"{{{sch}}}schema", nsmap={None: sch, **NLCIUS_NAMESPACES}, queryBinding="xslt2")
    etree.SubElement(schema, f"{{{sch}}}title").text = "SI-UBL 2.0 NLCIUS rules"
    for prefix, uri in NLCIUS_NAMESPACES.items():
        etree.SubElement(schema, f"{{{sch}}}ns", prefix=prefix, uri=uri)
    schema.append(etree.parse(str(NLCIUS_PATTERN)).getroot())
    return _compiled_schematron(etree.tostring(schema, xml_declaration=True, encoding="UTF-8"), "nlcius", build_dir)


def schematron_failures(xml: bytes, xslt: Path) -> list[Failure]:
    processor = _processor()
    document = processor.parse_xml(xml_text=xml.decode("utf-8"))
    svrl = _executable(str(xslt)).transform_to_string(xdm_node=document)
    return failures_in(svrl.encode("utf-8"))


def failures_in(svrl: bytes) -> list[Failure]:
    report = etree.fromstring(svrl)
    found = []
    for element in report.iter(f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report"):
        flag = (element.get("flag") or "").lower()
        if flag not in BLOCKING_FLAGS:
            continue
        text = " ".join("".join(element.find(f"{{{SVRL}}}text").itertext()).split())
        found.append(Failure(element.get("id", ""), flag, element.get("location", ""), text))
    return found


def rule_count(xslt: Path) -> int:
    """How many asserts a compiled stylesheet checks: proof that it is not empty."""
    text = xslt.read_text(encoding="utf-8")
    return text.count("svrl:failed-assert")
