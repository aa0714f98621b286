"""What ships is the product: a clinic's install (posture, the app) never needs the test support in renders/."""

from __future__ import annotations

import ast

from conftest import ROOT

TEST_SUPPORT = {"posture_renders", "moderngl", "anny"}


def imported(path) -> set[str]:
    """The top-level packages a Python file imports, anywhere in it (inside functions too)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_the_product_never_imports_the_test_support():
    shipped = [*(ROOT / "posture").rglob("*.py"), ROOT / "app.py", *(ROOT / "app_pages").rglob("*.py")]
    assert len(shipped) > 40
    offenders = {str(p.relative_to(ROOT)): imported(p) & TEST_SUPPORT for p in shipped if imported(p) & TEST_SUPPORT}
    assert offenders == {}


def test_the_renderer_is_its_own_package_outside_the_products():
    renders = ROOT / "renders" / "posture_renders"
    assert {p.stem for p in renders.glob("*.py")} >= {"human", "raster", "clips", "board"}
    assert "moderngl" not in (ROOT / "pyproject.toml").read_text()
    assert "moderngl" in (ROOT / "renders" / "pyproject.toml").read_text()
