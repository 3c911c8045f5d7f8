"""Safe placeholders for clause texts.

A clause body is plain text with blank lines between paragraphs and `{{ name }}`
placeholders from a small, documented list. It is NOT a Django template: there are no
tags, no filters, no attribute access. A placeholder is looked up by its whole name in
a flat dictionary of strings built from live data, so a clause can reach nothing else
(not settings, not a manager, not a method). Unknown placeholders and anything that
looks like a template tag are validation errors with the line number.

Block placeholders (the phase plan, the risk register, the rates and surcharges) stand
alone on their line and become tables.

A condition such as `{{ if client.consumer }}`, alone on the first line of a paragraph,
keeps that paragraph only when it holds for this contract (the rest of the paragraph is
the text). So one clause carries the business and the consumer wording, and the contract
shows the one that fits the client. A condition's truth is in the same flat dictionary,
under `if <name>`: a non-empty string is true, and a missing one is false. Every value
placeholder is a condition too, true when its value is not empty: `{{ if project.deposit }}`.

Inside a line, `{{ if name }}…{{ end }}` keeps the text between them only when the
condition holds, so a detail that may be empty takes its words with it:
`{{ client.name }}{{ if client.kvk_number }}, KvK-nummer {{ client.kvk_number }}{{ end }}`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
NAME = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)?$")
TAG_LIKE = re.compile(r"\{%|%\}|\{#|#\}")
CONDITION = re.compile(r"\{\{\s*if\s+([^{}]*?)\s*\}\}")
END = re.compile(r"\{\{\s*end\s*\}\}")
# An inline condition: its text runs to the first {{ end }} on the same line.
INLINE_CONDITION = re.compile(r"\{\{\s*if\s+([^{}]*?)\s*\}\}(.*?)\{\{\s*end\s*\}\}")
PARAGRAPH_BREAK = re.compile(r"(\n\s*\n)")

# name -> description, shown in the admin's help.
INLINE = {
    "client.name": gettext_lazy("the client's name"),
    "client.address": gettext_lazy("the client's address on one line"),
    "client.kvk_number": gettext_lazy("the client's KvK number"),
    "client.vat_id": gettext_lazy("the client's VAT id"),
    "decision_maker.name": gettext_lazy("the client's decision maker"),
    "decision_maker.email": gettext_lazy("the decision maker's email"),
    "project.name": gettext_lazy("the project's name"),
    "project.goal": gettext_lazy("the project's goal"),
    "project.first_deadline": gettext_lazy("the hard first deadline"),
    "project.phase_count": gettext_lazy("the number of phases"),
    "project.deposit": gettext_lazy("the deposit invoiced on acceptance, excl. VAT (empty when none)"),
    "payment_term": gettext_lazy("the payment term in days"),
    "hourly_rate": gettext_lazy("the agreed hourly rate, excl. VAT"),
    "swap_tolerance": gettext_lazy("the swap tolerance in percent"),
    "freelancer.name": gettext_lazy("your name"),
    "freelancer.business_name": gettext_lazy("your business name"),
    "freelancer.address": gettext_lazy("your address on one line"),
    "freelancer.kvk_number": gettext_lazy("your KvK number"),
    "freelancer.vat_id": gettext_lazy("your VAT id"),
    "freelancer.iban": gettext_lazy("your IBAN"),
    "freelancer.email": gettext_lazy("your email"),
    "today": gettext_lazy("today's date"),
}
BLOCK = {
    "phases": gettext_lazy("table: every phase with its deadline rule and date"),
    "risks": gettext_lazy("table: every risk with its owner and mitigation plan"),
    "rates": gettext_lazy("table: the hourly rates"),
    "surcharges": gettext_lazy("table: the surcharge rules"),
}
# Conditions: `{{ if name }}` alone on the first line of a paragraph keeps it only when true;
# inside a line, `{{ if name }}…{{ end }}` keeps that text only when true. Every value
# placeholder is also a condition: true when its value is not empty.
CONDITIONS = {
    "client.business": gettext_lazy("condition: the paragraph only when the client is a business"),
    "client.consumer": gettext_lazy("condition: the paragraph only when the client is a consumer"),
    "project.deposit": gettext_lazy("condition: the paragraph only when the project asks a deposit"),
}
ALLOWED = set(INLINE) | set(BLOCK)
KNOWN_CONDITIONS = set(CONDITIONS) | set(INLINE)


def condition_key(name: str) -> str:
    """Where a condition's truth is kept in the dictionary of values."""
    return f"if {name}"


def condition_values(truths: dict[str, bool]) -> dict[str, str]:
    """The values that make conditions true or false, to merge into the dictionary of values."""
    return {condition_key(name): "yes" if true else "" for name, true in truths.items()}


def holds(name: str, values: dict[str, str]) -> bool:
    """Whether a condition holds: its own truth if one was given, else whether its value is filled in."""
    key = condition_key(name)
    if key in values:
        return bool(values[key])
    return name in INLINE and bool(str(values.get(name, "")).strip())


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]
    empty: str = ""

    def html(self) -> SafeString:
        if not self.rows:
            return format_html('<p class="empty">{}</p>', self.empty or "—")
        head = format_html_join("", "<th>{}</th>", ((h,) for h in self.headers))
        body = format_html_join(
            "", "<tr>{}</tr>", ((format_html_join("", "<td>{}</td>", ((cell,) for cell in row)),) for row in self.rows)
        )
        return format_html('<table class="data"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>', head, body)


def errors_in(body: str) -> list[str]:
    """Every problem in a clause body, each naming its line."""
    problems = []
    lines = body.splitlines()
    for number, line in enumerate(lines, start=1):
        if TAG_LIKE.search(line):
            problems.append(
                _("Line %(line)s: template tags such as {%% … %%} are not allowed; use {{ placeholders }} only.")
                % {"line": number}
            )
        open_inline = None  # the inline condition waiting for its {{ end }}
        for match in PLACEHOLDER.finditer(line):
            name = match.group(1)
            if condition := CONDITION.fullmatch(match.group(0)):
                if line.strip() == match.group(0) or open_inline is not None:
                    problems.extend(_condition_problems(condition.group(1), lines, number))
                    continue
                if condition.group(1) not in KNOWN_CONDITIONS:
                    problems.append(
                        _("Line %(line)s: unknown condition {{ if %(name)s }}.")
                        % {"line": number, "name": condition.group(1)[:60]}
                    )
                elif not END.search(line, match.end()):
                    problems.append(
                        _(
                            "Line %(line)s: put {{ if %(name)s }} on a line of its own, at the start of a "
                            "paragraph, or close it with {{ end }} on the same line."
                        )
                        % {"line": number, "name": condition.group(1)}
                    )
                open_inline = condition.group(1)
            elif END.fullmatch(match.group(0)):
                if open_inline is None:
                    problems.append(
                        _("Line %(line)s: {{ end }} without an {{ if … }} before it on the same line.")
                        % {"line": number}
                    )
                open_inline = None
            elif not NAME.match(name) or name not in ALLOWED:
                problems.append(
                    _("Line %(line)s: unknown placeholder {{ %(name)s }}.") % {"line": number, "name": name[:60]}
                )
            elif name in BLOCK and line.strip() != match.group(0):
                problems.append(
                    _("Line %(line)s: {{ %(name)s }} is a table; put it on a line of its own.")
                    % {"line": number, "name": name}
                )
        stripped = PLACEHOLDER.sub("", line)
        if "{{" in stripped or "}}" in stripped:
            problems.append(_("Line %(line)s: a placeholder is not closed.") % {"line": number})
    return problems


def _condition_problems(name: str, lines: list[str], number: int) -> list[str]:
    """A condition must be known, alone on the first line of a paragraph, and have text under it."""
    line = lines[number - 1]
    if name not in KNOWN_CONDITIONS:
        return [_("Line %(line)s: unknown condition {{ if %(name)s }}.") % {"line": number, "name": name[:60]}]
    starts_paragraph = number == 1 or not lines[number - 2].strip()
    if not starts_paragraph or not CONDITION.fullmatch(line.strip()):
        return [
            _("Line %(line)s: put {{ if %(name)s }} on a line of its own, at the start of a paragraph.")
            % {"line": number, "name": name}
        ]
    if number == len(lines) or not lines[number].strip():
        return [
            _("Line %(line)s: {{ if %(name)s }} has no text under it; write the paragraph on the next lines.")
            % {"line": number, "name": name}
        ]
    return []


def apply_conditions(body: str, values: dict[str, str]) -> str:
    """The body without the paragraphs whose condition does not hold, and without the condition lines.

    Inline conditions (`{{ if name }}…{{ end }}`) keep or drop their text in the same way.
    A body without conditions comes back as it was (stripped), so its text and hash do not change."""
    body = body.strip()
    if not CONDITION.search(body):
        return body
    kept = []
    for paragraph in PARAGRAPH_BREAK.split(body)[::2]:
        first, _newline, rest = paragraph.lstrip().partition("\n")
        condition = CONDITION.fullmatch(first.strip())
        if condition is None:
            kept.append(paragraph)
        elif holds(condition.group(1), values):
            kept.append(rest)
    return INLINE_CONDITION.sub(
        lambda match: match.group(2) if holds(match.group(1), values) else "", "\n\n".join(kept)
    )


def validate_clause_body(body: str) -> None:
    problems = errors_in(body)
    if problems:
        raise ValidationError(problems, code="placeholders")


def render(body: str, values: dict[str, str], tables: dict[str, Table]) -> SafeString:
    """Clause text to HTML: escaped paragraphs, placeholders filled, block placeholders as tables."""
    validate_clause_body(body)
    parts = []
    for paragraph in re.split(r"\n\s*\n", apply_conditions(body, values)):
        if not paragraph.strip():
            continue  # every paragraph's condition failed
        lines = paragraph.splitlines()
        if len(lines) == 1 and (block := PLACEHOLDER.fullmatch(lines[0].strip())) and block.group(1) in BLOCK:
            parts.append(tables[block.group(1)].html())
            continue

        def fill(line: str) -> str:
            out, last = [], 0
            for match in PLACEHOLDER.finditer(line):
                out.append(escape(line[last : match.start()]))
                name = match.group(1)
                out.append(escape(values.get(name, "")))
                last = match.end()
            out.append(escape(line[last:]))
            return "".join(out)

        if len(lines) == 1 and lines[0].strip() == "":
            continue
        # Lines starting with "- " form a list; other lines are a paragraph with line breaks.
        if all(line.lstrip().startswith("- ") for line in lines):
            items = "".join(f"<li>{fill(line.lstrip()[2:])}</li>" for line in lines)
            parts.append(f"<ul>{items}</ul>")
        else:
            parts.append("<p>" + "<br>".join(fill(line) for line in lines) + "</p>")
    return mark_safe("\n".join(str(part) for part in parts))  # noqa: S308 - every piece is escaped above


def plain(body: str, values: dict[str, str], tables: dict[str, Table]) -> str:
    """The same text as plain text, for the frozen snapshot and diffs."""
    validate_clause_body(body)

    def table_text(table: Table) -> str:
        if not table.rows:
            return table.empty or "—"
        return "\n".join(" | ".join(str(cell) for cell in row) for row in [table.headers, *table.rows])

    def fill(match: re.Match) -> str:
        name = match.group(1)
        return table_text(tables[name]) if name in BLOCK else values.get(name, "")

    return PLACEHOLDER.sub(fill, apply_conditions(body, values))
