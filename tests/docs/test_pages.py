"""Every ```python block of every page of the site (``docs/**/*.md``) runs.

The blocks of one page run in order in one namespace (a page is read top to bottom), with a
temporary copy of the page's folder as the working directory; different pages share nothing.
A page added later (``docs/guide/<topic>.md``) is picked up without editing this file.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
_SKIP = {"_build", "auto_examples", "generated"}
PAGES = sorted(p for p in DOCS.rglob("*.md") if not _SKIP & set(p.relative_to(DOCS).parts))
_BLOCK = re.compile(r"^(`{3,}|~{3,})python[ \t]*\n(.*?)^\1[ \t]*$", flags=re.S | re.M)


def python_blocks(text: str) -> list[str]:
    """The bodies of the ```python fences of a Markdown text, in order."""
    return [match.group(2) for match in _BLOCK.finditer(text)]


def test_python_blocks_are_found():
    text = "x\n```python\na = 1\n```\n```bash\nls\n```\n````python\nb = a + 1\n````\n"
    assert python_blocks(text) == ["a = 1\n", "b = a + 1\n"]
    assert any(python_blocks(page.read_text(encoding="utf-8")) for page in PAGES)


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_page_python_blocks_run(page, tmp_path, monkeypatch):
    blocks = python_blocks(page.read_text(encoding="utf-8"))
    if not blocks:
        return  # a page without code: nothing to run
    pytest.importorskip("xgboost")
    pytest.importorskip("lightgbm")
    pytest.importorskip("sklearn")
    workdir = tmp_path / page.parent.name
    shutil.copytree(page.parent, workdir, ignore=shutil.ignore_patterns(*_SKIP))
    monkeypatch.chdir(workdir)  # examples that save files write into a copy of the page's folder
    namespace: dict[str, object] = {"__name__": "__main__"}
    for i, block in enumerate(blocks):
        try:
            exec(compile(block, f"{page.relative_to(DOCS)} python block {i}", "exec"), namespace)
        except Exception as exc:  # pragma: no cover - the message is the diagnosis
            raise AssertionError(f"{page.relative_to(DOCS)}: python block {i} failed:\n{block}") from exc
