"""The public names of boostfocal and the names the API reference documents.

"Public" is the ``__all__`` of every module of the package whose dotted path has no part
starting with ``_`` (``boostfocal``, ``boostfocal.xgboost``, ...; a module added later is found
without a list to edit). ``__all__`` is read from the source (``ast``), so a module whose optional
library is missing here is still checked. The reference documents a name when an
``.. autosummary::`` table of ``docs/api/*.rst`` lists it under a ``.. currentmodule::``.
Used by ``docs/conf.py``, ``docs/check_site.py`` and ``tests/docs/test_api_reference.py``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

DOCS = Path(__file__).resolve().parent
PACKAGE = DOCS.parent / "boostfocal"
API_DIR = DOCS / "api"


def public_modules(package: Path = PACKAGE) -> dict[str, Path]:
    """Dotted name -> source file of every public module of ``package`` (``__main__`` excluded)."""
    found: dict[str, Path] = {}
    root = package.parent
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts[-1] == "__main__" or any(part.startswith("_") for part in parts):
            continue
        found[".".join(parts)] = path
    return found


def module_all(path: Path) -> list[str]:
    """The literal ``__all__`` of a module's source (empty when it has none)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in tree.body:
        targets = (
            node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        )
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets) and node.value is not None:
            value = ast.literal_eval(node.value)
            return [str(name) for name in value]
    return []


def public_names(package: Path = PACKAGE) -> set[str]:
    """Every public name, fully qualified (``boostfocal.xgboost.focal_params``)."""
    return {f"{module}.{name}" for module, path in public_modules(package).items() for name in module_all(path)}


_DIRECTIVE = re.compile(r"^(\s*)\.\. (currentmodule|autosummary|module)::\s*(\S*)\s*$")


def documented_names(api_dir: Path = API_DIR) -> dict[str, str]:
    """Fully qualified name -> the ``docs/api`` page whose autosummary table lists it."""
    found: dict[str, str] = {}
    for page in sorted(api_dir.glob("*.rst")):
        module = ""
        in_table, indent = False, 0
        for line in page.read_text(encoding="utf-8").splitlines():
            match = _DIRECTIVE.match(line)
            if match:
                kind = match.group(2)
                if kind in ("currentmodule", "module"):
                    module, in_table = match.group(3), False
                else:
                    in_table, indent = True, len(match.group(1))
                continue
            if not in_table or not line.strip():
                continue
            current = len(line) - len(line.lstrip())
            if current <= indent:
                in_table = False
                continue
            entry = line.strip()
            if entry.startswith(":"):  # an option of the table (:toctree:, :nosignatures:)
                continue
            name = entry.lstrip("~")
            found[name if name.startswith(module + ".") or not module else f"{module}.{name}"] = page.name
    return found


def missing_from_reference(package: Path = PACKAGE, api_dir: Path = API_DIR) -> list[str]:
    """Public names that no autosummary table of the reference lists, sorted."""
    return sorted(public_names(package) - set(documented_names(api_dir)))


PUBLIC_MODULES = sorted(public_modules())
