"""Markdown -> HTML for entry bodies, plus the plain-text first paragraph used as a summary."""

from __future__ import annotations

import html
import re
from functools import cache
from urllib.parse import urljoin

import markdown

from ..model.site import Rendered
from ..text import plain_text

EXTENSIONS = ["tables", "fenced_code", "footnotes", "attr_list", "toc", "sane_lists", "abbr",
              "def_list"]
EXTENSION_CONFIGS = {"toc": {"permalink": False}}

_FIRST_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)
_URL_ATTR = re.compile(r'\b(href|src)="([^"]*)"')


@cache
def _converter() -> markdown.Markdown:
    return markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS,
                             output_format="html")


def render_markdown(text: str, base_path: str = "/", sanitize: bool = False) -> Rendered:
    """Render Markdown; root-relative links are moved under the site's base path."""
    converter = _converter()
    converter.reset()
    body = converter.convert(text)
    if sanitize:
        body = sanitize_html(body)
    if base_path != "/":
        body = _URL_ATTR.sub(lambda m: _rebase(m, base_path), body)
    return Rendered(body, plain_text(first_paragraph_html(body)))


def first_paragraph_html(body: str) -> str:
    match = _FIRST_PARAGRAPH.search(body)
    return match.group(1) if match else ""


def _rebase(match: re.Match[str], base_path: str) -> str:
    attr, url = match.group(1), match.group(2)
    if url.startswith("/") and not url.startswith("//"):  # `url` is escaped already
        url = html.escape(base_path.rstrip("/"), quote=True) + url
    return f'{attr}="{url}"'


def absolutize(body: str, page_url: str) -> str:
    """Make every href/src absolute against the page's URL (for feeds)."""
    def fix(match: re.Match[str]) -> str:
        url = html.unescape(match.group(2))
        return f'{match.group(1)}="{html.escape(urljoin(page_url, url), quote=True)}"'

    return _URL_ATTR.sub(fix, body)


def sanitize_html(body: str) -> str:
    """Keep Markdown's own markup; drop scripts, iframes, event handlers and the like."""
    import nh3

    attributes = {
        "*": {"id", "class", "title", "lang", "dir"},
        "a": {"href", "title"},
        "img": {"src", "alt", "title", "width", "height"},
        "th": {"align", "scope", "colspan", "rowspan"},
        "td": {"align", "colspan", "rowspan"},
        "abbr": {"title"},
    }
    return nh3.clean(body, attributes=attributes, link_rel=None)
