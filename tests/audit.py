"""The audit tools the browser tests share: axe-core and the Nu HTML checker (vnu), both from
package-lock.json (`npm ci`). Missing, a test skips; on CI it fails."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

NODE_MODULES = Path(settings.BASE_DIR) / "node_modules"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
# Django's own autocompletes (select2): their comboboxes have no name, so admin pages that
# use them leave them out of the audit.
AUTOCOMPLETES = ".select2-container"


def require(path: Path, what: str) -> None:
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{path} missing: run `npm ci` ({what})")
        pytest.skip(f"{path} missing: run `npm ci` ({what})")


def require_java() -> str:
    """The java that runs vnu, with vnu itself present."""
    require(VNU, "vnu-jar")
    java = shutil.which("java")
    if java is None:
        if os.environ.get("CI"):
            pytest.fail("java is needed for the Nu HTML checker")
        pytest.skip("java not found")
    return java


def run_axe(page, exclude: str = "") -> list[dict]:
    """axe's violations on the page (``exclude``: a selector left out), each with its rule,
    impact and first few nodes; an empty list when there are none."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async ([tags, exclude]) => await axe.run(
            exclude ? {exclude: [[exclude]]} : document,
            {runOnly: {type: 'tag', values: tags}})""",
        [AXE_TAGS, exclude],
    )
    return [
        {"rule": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]
