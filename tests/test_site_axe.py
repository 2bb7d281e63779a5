"""Accessibility: axe-core on every page, in both languages, light and dark, on a desktop and
a phone; no serious or critical violation is allowed.

axe-core comes from npm (`make axe`, which `make browser` runs: tests/package.json pins it).
Without it these tests fail: they never skip.
"""

import pytest
import site_browser
from site_browser import AXE, PAGES, page_id

pytestmark = pytest.mark.browser

BLOCKING = ("serious", "critical")
RUN_AXE = """() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations
  .map(v => ({id: v.id, impact: v.impact,
              nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ': ' + n.failureSummary)
                     .join(' | ')})))"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", ["desktop", "phone"])
@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_no_serious_accessibility_violation(browser, locale, viewport, scheme):
    if not AXE.exists():
        pytest.fail(f"axe-core is missing ({AXE}): run `make axe`")
    tab = site_browser.Tab(browser, locale, viewport, scheme)
    found = []
    try:
        for path in PAGES:
            page = tab.open(path)
            page.add_script_tag(path=str(AXE))
            for v in page.evaluate(RUN_AXE):
                if v["impact"] in BLOCKING:
                    found.append(f"{page_id(path)}: {v['id']} ({v['impact']}): {v['nodes']}")
    finally:
        tab.context.close()
    assert found == [], "\n".join(found)
