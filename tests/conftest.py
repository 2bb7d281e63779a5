"""Fixtures shared by every test module: one headless Chromium for all the browser tests
(Playwright's sync API allows one at a time), its tabs, and a local server of the built site."""

from site_browser import browser, server, tab  # noqa: F401
