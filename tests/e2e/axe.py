"""axe-core in the browser tests: the npm package's `axe.min.js` (a devDependency in
package.json) added to a page with Playwright's `add_script_tag`, then `axe.run`.

Why the npm file and not the PyPI wrapper (axe-playwright-python): the wrapper ships its own
copy of axe-core that moves only with its releases; the npm package is pinned in
package-lock.json next to the other front-end packages and `npm ci` installs it."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[2]
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"

# Every rule axe runs by default (WCAG 2.0/2.1 A and AA and axe's best practices): "zero
# violations of any impact" (issue 15).
RUN = """async () => {
  const result = await window.axe.run(document, { resultTypes: ["violations"] });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 4).map((n) => n.target.join(" ") + "  " + n.failureSummary
      .split("\\n").slice(1, 3).join(" ").trim()),
    count: v.nodes.length,
  }));
}"""


def axe_violations(page: Page) -> list[dict]:
    """axe-core's violations on the page as it is now (injected once per document)."""
    if not AXE_SCRIPT.exists():
        raise AssertionError(f"{AXE_SCRIPT} is missing: npm ci")
    if not page.evaluate("() => Boolean(window.axe)"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    return page.evaluate(RUN)


def describe(where: str, violations: list[dict]) -> list[str]:
    """One line per violation, naming where, the rule and the first elements."""
    return [
        f"{where}: {v['id']} ({v['impact']}, {v['count']}×) {v['help']}\n      "
        + "\n      ".join(v["nodes"])
        for v in violations
    ]
