"""axe-core in the browser tests: the npm package's `axe.min.js` (a devDependency in
package.json) added to every document of a browser context as an init script (`use_axe`),
then `axe.run`. An init script is handed to the browser once per context; adding the 0.5 MB
script to each page after it loaded cost more than the check itself.

Why the npm file and not the PyPI wrapper (axe-playwright-python): the wrapper ships its own
copy of axe-core that moves only with its releases; the npm package is pinned in
package-lock.json next to the other front-end packages and `npm ci` installs it."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import BrowserContext, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

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


# Counts the page's own requests (fetch and XHR) in flight and when the last one ended, so a
# test can wait until the page has drawn what it loads: like Playwright's "networkidle" but
# with a 150 ms quiet window instead of 500 ms, and blind to the long-lived socket.
COUNT_REQUESTS = """(() => {
  window.__busy = { pending: 0, since: performance.now() };
  const done = () => { window.__busy.pending -= 1; window.__busy.since = performance.now(); };
  const start = () => { window.__busy.pending += 1; };
  const fetch = window.fetch;
  window.fetch = function (...args) {
    start();
    return fetch.apply(this, args).then(
      (answer) => { setTimeout(done, 0); return answer; },
      (error) => { setTimeout(done, 0); throw error; });
  };
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (...args) {
    if (!String(this.__url || "").includes("/socket.io/")) {
      start();
      this.addEventListener("loadend", () => setTimeout(done, 0), { once: true });
    }
    return send.apply(this, args);
  };
  const open = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function (method, url, ...rest) {
    this.__url = url;
    return open.call(this, method, url, ...rest);
  };
})();"""
QUIET = """() => document.readyState === "complete" && window.__busy
  && window.__busy.pending === 0 && performance.now() - window.__busy.since > 150
  && !document.querySelector("[aria-busy=true]")"""


def settle(page: Page) -> None:
    """Wait until the page loaded and drew what its scripts fetch (needs COUNT_REQUESTS as an
    init script of the context)."""
    try:
        page.wait_for_function(QUIET, polling=50)
    except PlaywrightTimeout as error:
        state = page.evaluate("""() => ({
          ready: document.readyState, busy: window.__busy,
          ariaBusy: Array.from(document.querySelectorAll("[aria-busy=true]"))
            .map((e) => e.id || e.className) })""")
        raise AssertionError(f"{page.url} did not settle: {state}") from error


def use_axe(context: BrowserContext) -> None:
    """Every document the context loads from now on has axe-core (and counts its requests
    for `settle`). The page's CSP would refuse a script it did not send: create the context
    with bypass_csp=True (tests/e2e/test_security.py holds the policy)."""
    if not AXE_SCRIPT.exists():
        raise AssertionError(f"{AXE_SCRIPT} is missing: npm ci")
    context.add_init_script(path=str(AXE_SCRIPT))
    context.add_init_script(COUNT_REQUESTS)


def axe_violations(page: Page) -> list[dict]:
    """axe-core's violations on the page as it is now (its context went through use_axe)."""
    return page.evaluate(RUN)


def describe(where: str, violations: list[dict]) -> list[str]:
    """One line per violation, naming where, the rule and the first elements."""
    return [
        f"{where}: {v['id']} ({v['impact']}, {v['count']}×) {v['help']}\n      "
        + "\n      ".join(v["nodes"])
        for v in violations
    ]
