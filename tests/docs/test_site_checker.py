"""``docs/check_site.py`` on small synthetic sites: a good one passes, and each way of breaking one
(a public name without its page, a link to a missing page or anchor, a remote script, stylesheet,
font or image) is reported."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
sys.path.insert(0, str(DOCS))

import check_site  # noqa: E402

GOOD_PAGE = """<html><head>
<link rel="stylesheet" href="_static/site.css"><script src="_static/mathjax/tex-svg.js"></script>
<link rel="canonical" href="https://example.org/index.html">
</head><body>
<a href="#top">top</a><h1 id="top">Home</h1>
<a href="api/generated/pkg.f.html#pkg.f">f</a> <a href="guide/">guide</a>
<a href="https://numpy.org/doc/">numpy (a plain hyperlink loads nothing)</a> <a href="mailto:a@b.c">mail</a>
<img src="_images/plot.png" srcset="_images/plot.png 2x">
</body></html>"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "_static" / "mathjax").mkdir(parents=True)
    (tmp_path / "_static" / "site.css").write_text("body { background: url('../_images/plot.png'); }")
    (tmp_path / "_static" / "mathjax" / "tex-svg.js").write_text("// MathJax")
    (tmp_path / "_static" / "macros.html").write_text("<a href=\"{{ pathto('x') }}\">a theme template</a>")
    (tmp_path / "_images").mkdir()
    (tmp_path / "_images" / "plot.png").write_bytes(b"\x89PNG")
    (tmp_path / "guide").mkdir()
    (tmp_path / "guide" / "index.html").write_text('<a href="../index.html#top">home</a>')
    (tmp_path / "api" / "generated").mkdir(parents=True)
    (tmp_path / "api" / "generated" / "pkg.f.html").write_text('<dl><dt id="pkg.f">f()</dt></dl>')
    (tmp_path / "index.html").write_text(GOOD_PAGE)
    return tmp_path


def _problems(site: Path, names=("pkg.f",)) -> list[str]:
    return check_site.check_api_coverage(site, names) + check_site.check_links_and_resources(site)[0]


def test_a_good_site_passes(site):
    assert _problems(site) == []
    assert check_site.check_links_and_resources(site)[1] >= 6  # the internal links were followed


def test_a_public_name_without_its_page_fails(site):
    assert _problems(site, ("pkg.f", "pkg.g")) == ["api: public name pkg.g has no page api/generated/pkg.g.html"]
    (site / "api" / "generated" / "pkg.f.html").write_text("<p>no anchor</p>")
    problems = _problems(site)
    assert any("does not document pkg.f" in p for p in problems)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('href="guide/"', 'href="tutorial/"', "no file tutorial/"),
        ('href="#top"', 'href="#bottom"', "no anchor #bottom"),
        ("pkg.f.html#pkg.f", "pkg.f.html#pkg.g", "no anchor #pkg.g"),
        ('src="_images/plot.png"', 'src="_images/missing.png"', "no file _images/missing.png"),
    ],
    ids=["missing-page", "missing-anchor-same-page", "missing-anchor-other-page", "missing-image"],
)
def test_a_broken_internal_link_fails(site, old, new, expected):
    (site / "index.html").write_text(GOOD_PAGE.replace(old, new))
    problems = _problems(site)
    assert len(problems) == 1 and expected in problems[0], problems


@pytest.mark.parametrize(
    "element",
    [
        '<script src="https://cdn.example.com/mathjax.js"></script>',
        '<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Lato">',
        '<link rel="preload" as="font" href="//fonts.example.com/x.woff2">',
        '<img src="http://example.com/badge.svg">',
        '<img src="_images/plot.png" srcset="https://example.com/big.png 2x">',
        '<iframe src="https://example.com/embed"></iframe>',
        "<style>@import 'https://example.com/theme.css';</style>",
        '<div style="background: url(https://example.com/bg.png)"></div>',
    ],
    ids=["script", "stylesheet", "font-preload", "image", "srcset", "iframe", "style-import", "inline-style-url"],
)
def test_a_remote_resource_in_a_page_fails(site, element):
    (site / "index.html").write_text(GOOD_PAGE.replace("</body>", element + "</body>"))
    problems = _problems(site)
    assert len(problems) == 1 and problems[0].startswith("offline: index.html"), problems


def test_a_remote_font_in_a_local_stylesheet_fails(site):
    (site / "_static" / "site.css").write_text("@font-face { src: url(https://fonts.gstatic.com/lato.woff2); }")
    assert _problems(site) == ["offline: _static/site.css loads https://fonts.gstatic.com/lato.woff2"]


def test_the_command_line(site, capsys):
    assert check_site.main([str(site / "missing")]) == 2
    assert "usage" in capsys.readouterr().err
