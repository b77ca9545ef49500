"""The layout of shared/DESIGN.md holds: dependencies point one way, none hidden inside a
function, and the platform modules know no domain. The contracts themselves are in
pyproject.toml ([tool.importlinter]); import-linter reads every import, those inside
functions included."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "exchange"

def test_imports_keep_the_dependency_order_of_the_design():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def _local_imports_inside_functions(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.ImportFrom) and (inner.module or "").startswith("exchange"):
                found.append(f"{path.relative_to(PACKAGE)}:{inner.lineno} {inner.module}")
            elif isinstance(inner, ast.Import) and any(
                alias.name.startswith("exchange") for alias in inner.names
            ):
                found.append(f"{path.relative_to(PACKAGE)}:{inner.lineno}")
    return found


def test_no_module_of_the_project_is_imported_inside_a_function():
    hidden = [
        place
        for path in sorted(PACKAGE.rglob("*.py"))
        for place in _local_imports_inside_functions(path)
    ]
    assert hidden == []
