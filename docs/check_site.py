"""Checks of the built site (run by ``.ci/run`` after the Sphinx build).

``python docs/check_site.py docs/_build/html`` fails (exit status 1, one line per problem) when:

- **API coverage**: a public name (``docs/api_names.py``: the ``__all__`` of every public module)
  has no page ``api/generated/<name>.html`` holding its anchor;
- **internal links**: an ``href`` or ``src`` of a page points to a local file that does not exist,
  or to an anchor (``#id``) that the target page does not define;
- **offline**: a page or a local stylesheet loads a resource (script, stylesheet, font, image,
  frame, media) from another host (``http://``, ``https://`` or ``//``). Plain hyperlinks
  (``<a href="https://...">``) are allowed: they load nothing.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_names import public_names  # noqa: E402

#: ``<link rel=...>`` values that load nothing.
_NON_LOADING_RELS = {"canonical", "alternate", "author", "license", "help", "next", "prev", "index", "search", "top"}
#: Elements whose attribute loads a resource when the page opens.
_RESOURCE_ATTRS = {
    ("script", "src"),
    ("img", "src"),
    ("img", "srcset"),
    ("source", "src"),
    ("source", "srcset"),
    ("iframe", "src"),
    ("embed", "src"),
    ("object", "data"),
    ("video", "src"),
    ("video", "poster"),
    ("audio", "src"),
    ("track", "src"),
    ("input", "src"),
}
_CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])\s*((?:https?:)?//[^'")\s]+)""", re.I)
_EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.I)


def _is_remote(url: str) -> bool:
    return url.lower().startswith(("http://", "https://", "//"))


class _Page(HTMLParser):
    """The ids, links, resources and inline styles of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []  # href / src to follow
        self.remote: list[str] = []  # resources from another host
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for key in ("id", "name"):
            if key in values and (key == "id" or tag == "a"):
                self.ids.add(values[key])
        rel = set(values.get("rel", "").lower().split())
        for name, value in values.items():
            if (tag, name) in _RESOURCE_ATTRS or (tag == "link" and name == "href" and not rel <= _NON_LOADING_RELS):
                urls = [part.split()[0] for part in value.split(",") if part.strip()] if name == "srcset" else [value]
                self.remote += [url for url in urls if _is_remote(url)]
            if name in ("href", "src") and value:
                self.links.append(value)
        if "style" in values:
            self.styles.append(values["style"])
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)


def _pages(site: Path) -> list[Path]:
    """The site's pages: every ``.html`` file outside ``_static`` (whose ``.html`` files are the theme's
    template fragments, never opened)."""
    return [path for path in sorted(site.rglob("*.html")) if "_static" not in path.relative_to(site).parts]


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8", errors="replace"))
    return page


def check_api_coverage(site: Path, names: Iterable[str] | None = None) -> list[str]:
    """A problem per public name without its page and anchor in ``site/api/generated``."""
    problems = []
    for name in sorted(public_names() if names is None else names):
        page = site / "api" / "generated" / f"{name}.html"
        if not page.is_file():
            problems.append(f"api: public name {name} has no page {page.relative_to(site)}")
        elif name not in _parse(page).ids:
            problems.append(f"api: {page.relative_to(site)} does not document {name} (no anchor #{name})")
    return problems


def check_links_and_resources(site: Path) -> tuple[list[str], int]:
    """Problems with internal links / anchors and remote resources; also the number of links followed."""
    pages = {path.resolve(): _parse(path) for path in _pages(site)}
    problems, followed = [], 0
    for path, page in pages.items():
        where = path.relative_to(site.resolve())
        problems += [f"offline: {where} loads {url}" for url in page.remote]
        for style in page.styles:
            problems += [f"offline: {where} (inline style) loads {url}" for url in _CSS_URL.findall(style)]
        for link in page.links:
            if _EXTERNAL.match(link):
                continue
            followed += 1
            parts = urlsplit(link)
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                problems.append(f"link: {where} -> {link}: no file {unquote(parts.path)}")
                continue
            if parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else _parse(target).ids
                if unquote(parts.fragment) not in ids:
                    problems.append(f"link: {where} -> {link}: no anchor #{parts.fragment}")
    for css in sorted(site.rglob("*.css")):
        text = css.read_text(encoding="utf-8", errors="replace")
        problems += [f"offline: {css.relative_to(site)} loads {url}" for url in _CSS_URL.findall(text)]
    return problems, followed


def main(argv: list[str] | None = None) -> int:
    """Run every check on the built site given as the one argument; 0 when all pass."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not Path(args[0]).is_dir():
        print("usage: python docs/check_site.py BUILT_HTML_DIR (a folder)", file=sys.stderr)
        return 2
    site = Path(args[0])
    problems = check_api_coverage(site)
    link_problems, followed = check_links_and_resources(site)
    problems += link_problems
    for problem in problems:
        print(problem)
    n_pages = len(_pages(site))
    print(
        f"check_site: {n_pages} pages, {followed} internal links followed, {len(public_names())} public names: "
        + (f"{len(problems)} problems" if problems else "all checks pass")
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
