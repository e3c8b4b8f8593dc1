import os

import pytest

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium: Playwright's own browser download cannot work on these machines."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


def pytest_collection_modifyitems(config, items):
    """Without Chromium, browser tests skip on a laptop but fail in CI (CI=true)."""
    if os.path.exists(CHROMIUM) or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} not found: apt-get install chromium")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _site_settings_forgotten():
    """No test sees site settings a rolled-back test cached (blog.sitesettings.reading)."""
    yield
    from blog.sitesettings.reading import forget

    forget()


@pytest.fixture
def warm_site_settings(db):
    """The site settings already cached, as on a running site: pinned query counts are then
    the pages' own."""
    from blog.sitesettings.reading import current

    return current()
