"""``python -m benchmarks.site``: how long each page of the built site takes to load the first
time, from a local server on 127.0.0.1, in headless Chromium (Debian's ``chromium``; another
with ``LOSSEDU_CHROMIUM``). Each round loads every page once, in a fresh browser context (an
empty cache), the pages interleaved; the table gives the median and the best load over the
rounds, in ms, to the page's load event. Build the site first (``make book``)."""

import argparse
import functools
import http.server
import os
import statistics
import threading
from contextlib import contextmanager
from pathlib import Path

SITE = Path(__file__).resolve().parents[1] / "_build" / "html"
CHROMIUM = os.environ.get("LOSSEDU_CHROMIUM", "/usr/bin/chromium")


def launch(playwright):
    """Debian's headless Chromium (Playwright's own browser download does not work here)."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextmanager
def serve(directory: Path):
    """``directory`` over HTTP on 127.0.0.1, on a free port: yields the base URL."""
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(directory)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def first_load_ms(browser, url: str) -> float:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(url)
        page.wait_for_load_state("load")
        return page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
    finally:
        context.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.site", description=__doc__)
    parser.add_argument("--rounds", type=int, default=7, help="loads per page (default 7)")
    args = parser.parse_args(argv)
    pages = [p.relative_to(SITE).as_posix() for p in sorted((SITE / "book").glob("*.html"))]
    if not pages:
        raise SystemExit(f"No built site in {SITE}: run 'make book' first.")
    from playwright.sync_api import sync_playwright

    times: dict[str, list[float]] = {page: [] for page in pages}
    with serve(SITE) as base, sync_playwright() as playwright:
        browser = launch(playwright)
        for _ in range(args.rounds):
            for page in pages:
                times[page].append(first_load_ms(browser, f"{base}/{page}"))
        browser.close()
    print(f"{'page':<28} {'median ms':>10} {'best ms':>8}")
    for page, loads in times.items():
        print(f"{page:<28} {statistics.median(loads):>10.0f} {min(loads):>8.0f}")


if __name__ == "__main__":
    main()
