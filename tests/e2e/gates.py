"""Quality gates for the browser tests: valid HTML (the W3C validator) and no serious axe violations.

The validator is `vnu-jar` from npm, pinned in tests/e2e/package.json and installed with
`npm ci --ignore-scripts --prefix tests/e2e` (the jar is 30 MB, so it is not committed), run on
Debian's Java (`default-jre-headless`). Without them a gate skips on a laptop and fails on CI.

Starting Java and loading the schemas costs ~5 s; each further document costs milliseconds.
So check many pages at once: `html_errors_many` validates them all in one run. (vnu's HTTP
service mode would keep one process alive, but it parses the whole HTML spec at start-up:
15-30 s here, more than a batch of every page costs.)
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.helpers import require, require_command

HERE = Path(__file__).resolve().parent
VNU_JAR = HERE / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE = HERE / "vendor" / "axe.min.js"
SERIOUS = ("serious", "critical")
# htmx's own attribute names (hx-get, hx-target, ...) are not in HTML, which reserves data-* for
# such uses; the project writes htmx the documented way, so those errors, and only those, are left out.
HTMX_ATTRIBUTE = re.compile(r"^Attribute “hx-[a-z:-]+” not allowed on element “[a-z0-9-]+” at this point\.$")


def vnu_command() -> list[str]:
    java = require_command("java")
    require(VNU_JAR.exists(), f"the HTML validator is not installed: npm ci --ignore-scripts --prefix {HERE}")
    return [java, "-Xss8m", "-jar", str(VNU_JAR)]


def html_errors_many(documents: dict[str, str]) -> dict[str, list[str]]:
    """The validator's errors (warnings left out) for each named HTML document, in one Java run."""
    if not documents:
        return {}
    command = vnu_command()
    folder = Path(tempfile.mkdtemp(prefix="vnu-"))
    try:
        files = {}
        for number, (name, html) in enumerate(documents.items()):
            path = folder / f"{number}.html"
            path.write_text(html, encoding="utf-8")
            files[path.as_uri().removeprefix("file://")] = name
        run = subprocess.run(
            [
                *command,
                "--errors-only",
                "--format",
                "json",
                "--stdout",
                *(str(folder / f"{n}.html") for n in range(len(files))),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )  # exit status 1 just means "errors found"
        try:
            messages = json.loads(run.stdout)["messages"]
        except (json.JSONDecodeError, KeyError):
            raise AssertionError(
                f"the validator did not answer in JSON: {run.stdout[:500]} {run.stderr[:2000]}"
            ) from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    errors: dict[str, list[str]] = {name: [] for name in documents}
    for message in messages:
        if message.get("type") == "non-document-error":
            raise AssertionError(f"the validator could not check a page: {message}")
        name = files.get(message.get("url", "").removeprefix("file:"))
        if name is None:
            raise AssertionError(f"a validator message for an unknown file: {message}")
        if not HTMX_ATTRIBUTE.match(message.get("message", "")):
            errors[name].append(describe(message))
    return errors


def html_errors(html: str) -> list[str]:
    """The validator's errors for one HTML document (a Java run each: prefer html_errors_many)."""
    return html_errors_many({"document": html})["document"]


def describe(message: dict) -> str:
    line = message.get("lastLine", message.get("firstLine", "?"))
    extract = " ".join(message.get("extract", "").split())
    return f"line {line}: {message['message']} [{extract}]"


def axe_run(page, options: dict | None = None) -> list[dict]:
    """axe-core's violations on the page as it is now (all of axe's default rules without options)."""
    page.evaluate(AXE.read_text())  # via DevTools: the page's CSP blocks an injected inline <script>
    result = page.evaluate("async (options) => await axe.run(document, options)", options or {})
    return result["violations"]


def axe_violations(page) -> list[dict]:
    """Every WCAG 2 A/AA violation, whatever its impact: the strict check of the client pages."""
    violations = axe_run(page, {"runOnly": ["wcag2a", "wcag2aa"]})
    return [{"id": v["id"], "nodes": len(v["nodes"])} for v in violations]


def axe_serious(page) -> list[dict]:
    """The serious and critical violations of axe's default rules, with the elements they are on."""
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "targets": [" ".join(map(str, node["target"])) for node in v["nodes"]][:5],
        }
        for v in axe_run(page)
        if v["impact"] in SERIOUS
    ]
