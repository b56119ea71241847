"""Sphinx configuration of the boostfocal site (``python -m sphinx -W --keep-going -n -b html docs docs/_build/html``).

Choices, each said once here (CONTRIBUTING.md points to this file):

- Theme: ``pydata-sphinx-theme``, the theme of scikit-learn, pandas and numpy, whose sites our
  users already read; it is maintained, bundles its icons and fonts (nothing from another host),
  and has a phone layout.
- Formulas: MathJax 3.2.2 bundled locally (the ``sphinx-mathjax-offline`` wheel ships its files;
  :func:`_copy_mathjax` copies the SVG component into ``_static/mathjax``), with SVG output, so no
  web font is fetched either: the built site renders formulas from ``file://`` with no network.
- Nitpicky references: no intersphinx inventory can be downloaded at build time, so references to
  the third-party libraries (numpy, pandas, scikit-learn, XGBoost, LightGBM, scipy, matplotlib,
  dask, Python builtins) render as code without a link (:data:`nitpick_ignore_regex`); every
  reference to a public ``boostfocal`` name must resolve. References into private layers
  (``boostfocal._*``) render as code too: they are not part of the reference.
- The gallery (``examples/``) runs at build time; sphinx-gallery keeps each example's output
  beside its checksum and reruns only changed examples (a warm rebuild executes nothing).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))  # the package of this checkout, not an installed copy
sys.path.insert(0, str(DOCS))

os.environ.setdefault("OMP_NUM_THREADS", "1")

from api_names import PUBLIC_MODULES  # noqa: E402,F401  (fails early when a public module cannot import)

import boostfocal  # noqa: E402

project = "boostfocal"
author = "boostfocal developers"
copyright = "boostfocal developers"
release = boostfocal.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py", "**/*.zip", "**/*.md5"]
templates_path = ["_templates"]

# --- MyST -------------------------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3  # "[text](page.md#a-heading)" links work, and the link check sees them

# --- API reference ----------------------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"  # numpydoc's Parameters / Returns carry the types, once
autodoc_default_options = {"member-order": "bysource"}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
add_module_names = False

nitpicky = True
_THIRD_PARTY = r"(np|numpy|pd|pandas|sklearn|xgb|xgboost|lgb|lightgbm|scipy|matplotlib|dask|distributed|optuna|numba)"
_BUILTINS = (
    r"~?(int|float|str|bool|dict|list|tuple|None|object|type|bytes|Path|os\.PathLike|ValueError|TypeError"
    r"|ImportError|KeyError|RuntimeError|UserWarning|warnings|__name__|pathlib\..*|collections\..*|typing\..*)"
)
#: private names that public docstrings mention by their short name
_PRIVATE_SHORT = (
    r"(SigmoidFocalLoss|SoftmaxFocalLoss|MultilabelFocalLoss|OpenFocalLoss|OPTIONS|check_poly_epsilon|Interval)"
)
nitpick_ignore_regex = [
    (r"py:.*", _THIRD_PARTY + r"(\..*)?"),
    (r"py:.*", _BUILTINS),
    (r"py:.*", r"boostfocal\._.*"),  # private layers: not in the reference
    (r"py:.*", _PRIVATE_SHORT),
    (r"py:.*", r"best_iteration_?"),  # fitted attributes of XGBoost's / LightGBM's base classes
]

# --- The gallery ------------------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"\.py$",  # execute every example, not only plot_*.py
    # ray_train.py starts a Ray cluster and two worker groups (minutes): tests/ray runs it, and the
    # distributed page shows it with literalinclude
    "ignore_pattern": r"(__init__|_helpers|ray_train)\.py$",
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": False,  # report every failing example; -W turns it into a failure
    "only_warn_on_example_error": False,
    "plot_gallery": "True",
    "within_subsection_order": "FileNameSortKey",
    "show_memory": False,
    "write_computation_times": False,  # its page loads jQuery and DataTables from CDNs
    "show_signature": False,
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "reset_modules": ("matplotlib",),
    "binder": {},
    "capture_repr": ("_repr_html_", "__repr__"),
}

# --- HTML -------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"boostfocal {release}"
html_static_path = ["_static"]
html_css_files = ["boostfocal.css"]
html_show_sourcelink = False
html_copy_source = False
html_theme_options = {
    "navigation_with_keys": False,
    "show_prev_next": True,
    "header_links_before_dropdown": 5,  # the rest under "More": one header row at 1280 px
    # an API page has one object: its width goes to the formulas, not to an "On this page" column
    "secondary_sidebar_items": {"api/generated/*": []},
    "navbar_end": ["theme-switcher"],
    "footer_start": ["copyright"],
    "footer_end": [],
    "logo": {"text": "boostfocal"},
}
html_sidebars = {"index": [], "getting_started": []}

mathjax_path = "mathjax/tex-svg.js"


def _copy_mathjax(app, exc) -> None:  # noqa: ANN001
    """Copy MathJax's SVG component (and what it loads on demand) into ``_static/mathjax``."""
    if exc is not None or app.builder.format != "html":
        return
    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the docs extra is missing: pip install -e '.[docs]' (sphinx-mathjax-offline)")
    source = Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax"
    target = Path(app.outdir) / "_static" / "mathjax"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source / "tex-svg.js", target / "tex-svg.js")
    for sub in ("input", "output/svg", "ui", "a11y", "sre"):  # extensions loaded on demand
        shutil.copytree(source / sub, target / sub, dirs_exist_ok=True)
    shutil.copy2(source / "output" / "svg.js", target / "output" / "svg.js")


_ROUTING = re.compile(r"^(set_\w+_request|get_metadata_routing)$")


def _skip_metadata_routing(app, what, name, obj, skip, options):  # noqa: ANN001, ANN202
    """Leave out scikit-learn's metadata-routing methods (generated per estimator, documented by sklearn)."""
    return True if _ROUTING.match(name) else None


def _call_conventions_as_rubric(app, what, name, obj, options, lines):  # noqa: ANN001, ANN202
    """Keep the objectives' "Call conventions" section: numpydoc knows no such section and drops it,
    so it becomes a rubric of the extended summary (this runs before numpydoc)."""
    for i in range(len(lines) - 1):
        if lines[i].strip() == "Call conventions" and set(lines[i + 1].strip()) == {"-"}:
            indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
            lines[i : i + 2] = [f"{indent}.. rubric:: Call conventions", ""]
            break


def setup(app):  # noqa: ANN001, ANN201
    app.connect("autodoc-process-docstring", _call_conventions_as_rubric, priority=400)
    app.connect("autodoc-skip-member", _skip_metadata_routing)
    app.connect("build-finished", _copy_mathjax)
