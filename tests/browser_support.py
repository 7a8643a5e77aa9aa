"""Real Chromium for end-to-end tests: Debian's package driven by Playwright.

No browser is downloaded (``playwright install`` cannot work here); ``make test``
installs ``/usr/bin/chromium`` and axe-core (npm) before the tests run.
See ``../shared/BROWSER-TESTING.md`` for why the launch looks like this.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("LRS_TEST_CHROMIUM", "/usr/bin/chromium")
AXE_MIN_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
#: screenshots and other artefacts of browser tests (kept after the run)
ARTEFACTS = Path(os.environ.get("LRS_TEST_ARTEFACTS", ROOT / "test-artefacts"))

#: flags that keep Chromium from reaching for the network this machine does not have
QUIET_FLAGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def launch(playwright, **kwargs):
    """A headless Chromium browser."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=QUIET_FLAGS, **kwargs)


def launch_profile(playwright, user_data_dir: Path, **options):
    """A browser with a profile of its own (a persistent context), as a person's browser is: unlike
    the incognito-like contexts of :func:`launch`, Chromium will install web apps in it."""
    return playwright.chromium.launch_persistent_context(str(user_data_dir), executable_path=CHROMIUM, headless=True,
                                                         args=QUIET_FLAGS, **options)


def launch_with_extension(playwright, user_data_dir: Path, extension_dir: Path, *, debugging_port: int | None = None):
    """A persistent context with an unpacked extension loaded (extensions need one).

    ``debugging_port`` opens Chromium's DevTools port on loopback as well: windows the browser
    opens itself (``chrome.identity.launchWebAuthFlow``'s) are not pages of the context, and a
    second connection (``connect_over_cdp``) reaches them there.
    """
    ext = str(Path(extension_dir).resolve())
    debugging = [f"--remote-debugging-port={debugging_port}"] if debugging_port else []
    return playwright.chromium.launch_persistent_context(
        str(user_data_dir),
        executable_path=CHROMIUM,
        headless=True,
        args=[*QUIET_FLAGS, f"--disable-extensions-except={ext}", f"--load-extension={ext}", *debugging],
    )


def axe_violations(page, *, serious_only: bool = True) -> list[dict]:
    """Run axe-core in ``page``; the violations (serious and critical ones by default)."""
    page.evaluate(AXE_MIN_JS.read_text())
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']}))
        .violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                               nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))"""
    )
    if serious_only:
        found = [v for v in found if v["impact"] in ("serious", "critical")]
    return found


def screenshot(page, name: str) -> Path:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


#: where the documentation's screenshots live: the browser tests take them (docs/space.md, README)
DOCS_IMAGES = ROOT / "docs" / "images"


def docs_screenshot(page, name: str, *, full_page: bool = False) -> Path:
    """A screenshot for the documentation, taken by the test run (never by hand), so the pictures
    show the pages as they are. Every run writes it to test-artefacts/; ``LRS_DOCS_IMAGES=1 make test``
    also replaces the one in docs/images/ (dates in it move with the day, so not on every run)."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    if os.environ.get("LRS_DOCS_IMAGES") == "1":
        DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, DOCS_IMAGES / path.name)
    return path
