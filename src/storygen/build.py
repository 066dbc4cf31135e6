"""The pipeline: read -> model -> render -> write. Nothing is written unless every step succeeds."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from . import url_history
from .config import SiteConfig
from .feeds import feed_outputs
from .markup import Rendered, render_markdown
from .problems import Problem, StorygenError
from .reader import Content, read_content
from .redirects import check_aliases, redirect_outputs
from .render import Renderer
from .site import BuildOptions, Site, build_site
from .sitemap import page_dates, sitemap_urls


@dataclass(frozen=True)
class BuildResult:
    site: Site
    pages: int
    feeds: int
    static: int
    seconds: float
    output: Path
    warnings: tuple[Problem, ...] = ()

    def summary(self) -> str:
        lines = [f"Built {len(self.site.entries)} entries: {self.pages} pages, {self.feeds} feeds, "
                 f"{self.static} static files in {self.seconds:.2f} s -> {self.output}"]
        lines += [f"warning: {warning}" for warning in self.warnings]
        return "\n".join(lines + schedule_notes(self.site))


def schedule_notes(site: Site) -> list[str]:
    """When the site must be rebuilt next, so a scheduler (or a person) knows."""
    schedule, notes = site.schedule, []
    if schedule is None:
        return notes
    if (due := schedule.next_due) is not None:
        notes.append(f"Next scheduled: {due.source} ('{due.title}') is due {due.date.isoformat()}"
                     " - rebuild then to publish it")
    if (ending := schedule.next_expiry) is not None and ending.expires is not None:
        notes.append(f"Next expiry: {ending.source} ('{ending.title}') expires "
                     f"{ending.expires.isoformat()} - rebuild then to take it off the listings")
    return notes


def load_site(config: SiteConfig, options: BuildOptions) -> tuple[Site, dict[str, Rendered]]:
    """Read and model the site, and render every Markdown body. Raises StorygenError."""
    content = read_content(config)
    if content.problems:
        raise StorygenError(content.problems)
    _check_page_slugs(content)
    site = build_site(config, content, options)
    check_aliases(site, set(page_dates(site)))
    return site, render_bodies(config, site)



def render_bodies(config: SiteConfig, site: Site) -> dict[str, Rendered]:
    sanitize = config.raw_html == "sanitize"
    bodies = {e.path: render_markdown(e.body, config.base_path, sanitize) for e in site.entries}
    bodies.update({p.path: render_markdown(p.body, config.base_path, sanitize) for p in site.pages})
    return bodies


def site_files(site: Site, bodies: dict[str, Rendered]) -> Iterator[tuple[str, bytes]]:
    """Every generated file (pages, feeds, sitemap, robots.txt) as (path, bytes)."""
    renderer = Renderer(site, bodies)
    yield from renderer.outputs()
    yield from feed_outputs(site, renderer.articles)
    yield from redirect_outputs(site, renderer)
    yield "sitemap.xml", renderer.render_template("sitemap.xml", urls=sitemap_urls(site))
    yield "robots.txt", renderer.render_template("robots.txt")


def build(config: SiteConfig, options: BuildOptions, out: Path | None = None) -> BuildResult:
    """Build the whole site into `out` (default: the configured output folder), atomically."""
    from .writer import StagedOutput

    started = time.perf_counter()
    output = (out or config.output_path).resolve()
    check_output_folder(config, output)
    site, bodies = load_site(config, options)
    staged = StagedOutput(output)
    try:
        static = staged.copy_tree(config.static_dir)
        pages = feeds = 0
        for relative, data in site_files(site, bodies):
            staged.write(relative, data)
            if relative.endswith((".xml", ".json")) and relative != "sitemap.xml":
                feeds += 1
            elif relative.endswith(".html") and relative != "_redirects":
                pages += 1
        staged.commit()
    except BaseException:
        staged.discard()
        raise
    warnings = url_history.moved_without_alias(site, url_history.load(config.cache_path))
    url_history.save(config.cache_path, site)
    return BuildResult(site, pages, feeds, static, time.perf_counter() - started, output,
                       (*site.warnings, *warnings))


def _check_page_slugs(content: Content) -> None:
    reserved = {"stories", "updates", "tags", "archive", "page", "static", "feed.xml"}
    problems = [
        Problem(str(p.source), p.lines.get("slug") or 1,
                f"the page address /{p.slug}/ is used by storygen itself",
                "give the page another slug")
        for p in content.pages if p.slug in reserved
    ]
    if problems:
        raise StorygenError(problems)


def check_output_folder(config: SiteConfig, output: Path) -> None:
    """Refuse an output folder whose replacement would destroy the sources or someone's files."""
    root = config.root.resolve()
    message = ""
    if output == root or root.is_relative_to(output):
        message = "the output folder would replace the site itself"
    elif any(output.is_relative_to(root / name) for name in ("content", "templates", "static")):
        message = "the output folder is inside the site's sources"
    elif output.is_dir() and any(output.iterdir()) and not (
            (output / "sitemap.xml").exists() or (output / "404.html").exists()):
        message = "the output folder already holds files that storygen did not make"
    if message:
        raise StorygenError([Problem(str(output), None, message,
                                     "choose another folder with --out or output_dir")])
