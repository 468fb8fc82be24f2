"""Every page of the demo in Chromium at 1,400 px, as a new user meets it.

The demo is built as ``make demo`` builds it (SQLite, the sandbox pipeline
over 90 days, ``seed_demo``) and served by ``runserver``. A logged-in
superuser then walks the admin: the index, every changelist, the first
object's change page, the history pages, and the pages the index and the
changelists link to (dashboard and its drill-downs, the forecast, the
experiments portfolio and results, imports and exports). On each page:

- the page answers below 400 and does not scroll sideways, and no block
  inside it (a results table, a chart, a code sample) scrolls sideways;
- no cell reads a bare ``None``;
- numbers are formatted: no money of 1,000 or more without thousands
  separators (``25690.41``), no raw decimals (``0.092240117130``, or
  zeros padded past the cents as in ``103.8400``), no
  durations with microseconds (``0:00:01.172553``);
- no time is shown in UTC (``+00:00``, ``...Z`` or ``UTC``): everything a
  person reads is in the reporting time zone.

Each page's screenshot is saved under ``test-output/pages/``; the failure
message lists every problem with its page.
"""

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from tests.services import chromium_path

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
WIDTH = 1400

# Where a path would only repeat a page already seen, or leaves the platform.
SKIPPED = re.compile(
    r"/(logout|password_change|delete|add|revert)/|/admin/r/|/autocomplete/|/jsi18n/|\.(csv|xlsx|json)$|"
    r"/run/$|/process_import/$|/export/\?|[?&]export=|/axes/"
)

PROBLEMS_SCRIPT = """() => {
    const problems = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > doc.clientWidth + 1) {
        problems.push(`the page scrolls sideways (${doc.scrollWidth} > ${doc.clientWidth})`);
    }
    for (const el of document.querySelectorAll('body *')) {
        const style = getComputedStyle(el);
        if (!['auto', 'scroll'].includes(style.overflowX)) continue;
        if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0) {
            const kind = el.className ? '.' + String(el.className).split(' ')[0] : '';
            const name = el.id ? '#' + el.id : el.tagName.toLowerCase() + kind;
            problems.push(`${name} scrolls sideways (${el.scrollWidth} > ${el.clientWidth})`);
        }
    }
    const cells = document.querySelectorAll('td, th, dd, .readonly, .kpi, .tile, p, li, h1, h2, h3');
    const seen = new Set();
    for (const cell of cells) {
        if (cell.closest('textarea, pre, code, script, .help, .vLargeTextField')) continue;
        const text = (cell.innerText || '').trim();
        if (!text || text.length > 400) continue;
        const add = (message) => { if (!seen.has(message)) { seen.add(message); problems.push(message); } };
        if (text === 'None') add(`a cell reads "None"`);
        for (const word of text.split(/\\s+/)) {
            const bare = word.replace(/^[($-]+|[),.%;:]+$/g, '');
            if (/^\\d{4,}\\.\\d{2}$/.test(bare)) add(`money without thousands separators: "${word}"`);
            if (/^-?\\d+\\.(\\d{2,}0|\\d{7,})$/.test(bare)) add(`a raw decimal: "${word}"`);
            if (/^\\d+:\\d\\d:\\d\\d\\.\\d{3,}$/.test(bare)) {
                add(`a duration with fractions of a second: "${word}"`);
            }
        }
        if (/\\+00:00|\\d\\d:\\d\\d(:\\d\\d)?Z\\b|\\bUTC\\b/.test(text)) {
            add(`a time in UTC: "${text.slice(0, 80)}"`);
        }
    }
    return problems;
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo's data and server, built the way ``make demo`` builds them; yields (url, password)."""
    chromium_path()  # skip loudly (or fail under REQUIRE_SERVICES) before spending time on the demo
    folder = tmp_path_factory.mktemp("demo")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY"}
    }
    env.update(DEBUG="1", DATABASE_URL=f"sqlite:///{folder / 'demo.sqlite3'}", REDIS_URL="")

    def manage(*args):
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    manage("migrate", "--noinput")
    manage("run_pipeline", "--sandbox", "--days", "90")
    seeded = manage("seed_demo")
    password = re.search(r"password '([^']+)'", seeded).group(1)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{base}/admin/login/", timeout=2)
                break
            except requests.ConnectionError:
                assert server.poll() is None, "runserver exited before answering"
                assert time.monotonic() < deadline, "runserver did not answer within 60 s"
                time.sleep(0.2)
        yield base, password
    finally:
        server.terminate()
        server.wait(timeout=20)


def admin_links(tab, base: str) -> list[str]:
    """Same-site admin links on the page, without query strings or fragments, in page order."""
    hrefs = tab.eval_on_selector_all("#content a[href], #content-main a[href]", "els => els.map(e => e.href)")
    found = []
    for href in hrefs:
        parts = urlsplit(urljoin(base, href))
        if parts.netloc != urlsplit(base).netloc or not parts.path.startswith("/admin/"):
            continue
        link = f"{base}{parts.path}" + (
            f"?{parts.query}" if parts.path.startswith("/admin/dashboards/") else ""
        )
        if not SKIPPED.search(link) and link not in found:
            found.append(link)
    return found


def first_result_link(tab, base: str) -> str | None:
    href = tab.eval_on_selector_all(
        "#result_list tbody tr th a, #result_list tbody tr td a", "e => e.map(x => x.href)"
    )
    for link in href:
        path = urlsplit(link).path
        if re.search(r"/\d+/change/$|/[^/]+/change/$", path):
            return f"{base}{path}"
    return None


def test_every_page_of_the_demo_fits_1400px_and_shows_numbers_and_times_plainly(demo, browser, output_dir):
    base, password = demo
    shots = output_dir / "pages"
    shots.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": WIDTH, "height": 900})
    tab = context.new_page()
    tab.goto(f"{base}/admin/login/")
    tab.fill("#id_username", "admin")
    tab.fill("#id_password", password)
    tab.click("input[type=submit]")
    tab.wait_for_url(f"{base}/admin/")

    problems: dict[str, list[str]] = {}
    visited: list[str] = []

    def visit(url: str) -> bool:
        if url in visited:
            return False
        visited.append(url)
        response = tab.goto(url, wait_until="load")  # scripts and charts have run by then
        name = re.sub(r"[^a-z0-9]+", "-", url[len(base) :].lower()).strip("-") or "root"
        tab.screenshot(path=str(shots / f"{name}.png"), full_page=True)
        found = [] if response.status < 400 else [f"answered {response.status}"]
        found += tab.evaluate(PROBLEMS_SCRIPT)
        if found:
            problems[url[len(base) :]] = found
        return response.status < 400

    visit(f"{base}/admin/")
    changelists = admin_links(tab, base)
    assert len(changelists) >= 20, f"the admin index links only {len(changelists)} pages"
    for changelist in changelists:
        if not visit(changelist):
            continue
        first = first_result_link(tab, base)
        # Pages a changelist links to (portfolio, imports, exports) and its first object with its history.
        extra = [
            link
            for link in admin_links(tab, base)
            if link.startswith(changelist) and link not in changelists and not link.endswith("/change/")
        ]
        for link in [first, f"{first}../history/" if first else None, *extra[:6]]:
            if link:
                visit(link.replace("/change/../", "/"))

    # The dashboard's own drill-downs: each channel, and the first day's orders.
    dashboard = f"{base}/admin/dashboards/metrics/"
    visit(dashboard)
    for link in admin_links(tab, base):
        if "channel=" in link or "/orders/" in link:
            visit(link)

    context.close()
    assert len(visited) >= 40, f"only {len(visited)} pages were visited"
    (output_dir / "pages" / "problems.json").write_text(json.dumps(problems, indent=1))
    report = "\n".join(
        f"{page}: {'; '.join(found[:4])}" + (f" and {len(found) - 4} more" if len(found) > 4 else "")
        for page, found in problems.items()
    )
    assert not problems, f"{len(problems)} of {len(visited)} pages have problems:\n{report}"
