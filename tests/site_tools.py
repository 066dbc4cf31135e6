"""Helpers for tests that inspect a built site: hashing trees and resolving links."""

from __future__ import annotations

import hashlib
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


def tree_digest(folder: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file below `folder`."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


def links_in(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.links


def resolve(output: Path, page: Path, link: str, base_url: str) -> Path | None:
    """The output file a link points at, or None for external links, mailto: and the like."""
    base = urlsplit(base_url)
    parts = urlsplit(link)
    if parts.scheme in ("mailto", "tel"):
        return None
    if (parts.scheme or parts.netloc) and parts.netloc != base.netloc:
        return None
    path = unquote(parts.path)
    if not path:
        return page  # a fragment on the same page
    if not path.startswith("/"):
        relative_dir = "/" + str(page.parent.relative_to(output)).strip(".") + "/"
        path = relative_dir.replace("//", "/") + path
    if not path.startswith(base.path):
        return output / "__outside_base_path__"
    target = output / path[len(base.path):]
    return target / "index.html" if path.endswith("/") else target


def broken_links(output: Path, base_url: str) -> list[str]:
    """Every internal href/src in every HTML page that does not resolve to a file."""
    broken = []
    for page in sorted(output.rglob("*.html")):
        for link in links_in(page.read_text(encoding="utf-8")):
            target = resolve(output, page, link, base_url)
            if target is not None and not target.is_file():
                broken.append(f"{page.relative_to(output)} -> {link}")
    return broken
