"""The pipeline: read -> model -> render -> write. Nothing is written unless every step succeeds."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .cache import RenderCache, markdown_key, markdown_settings
from .config import SiteConfig
from .feeds import feed_outputs
from .markup import Rendered, render_markdown
from .parallel import Workers, map_ordered, workers_from_config
from .problems import Problem, StorygenError
from .reader import Content, read_content
from .render import Renderer
from .site import BuildOptions, Site, build_site


@dataclass
class BuildStats:
    """What a build did, and what it reused from the cache."""

    markdown_rendered: int = 0
    markdown_reused: int = 0


@dataclass(frozen=True)
class BuildResult:
    site: Site
    pages: int
    feeds: int
    static: int
    seconds: float
    output: Path
    stats: BuildStats = field(default_factory=BuildStats)

    def summary(self) -> str:
        return (f"Built {len(self.site.entries)} entries: {self.pages} pages, {self.feeds} feeds, "
                f"{self.static} static files in {self.seconds:.2f} s -> {self.output}")


def load_site(config: SiteConfig, options: BuildOptions, *, jobs: int | None = None,
              stats: BuildStats | None = None) -> tuple[Site, dict[str, Rendered]]:
    """Read and model the site, and render every Markdown body (reusing the on-disk cache in
    `config.cache_path`; `jobs` as for `--jobs`). Raises StorygenError."""
    content = read_content(config)
    if content.problems:
        raise StorygenError(content.problems)
    _check_page_slugs(content)
    site = build_site(config, content, options)
    with RenderCache(config.cache_path) as cache:
        bodies = render_bodies(config, site, cache, workers_from_config(config, jobs), stats)
    return site, bodies


def render_bodies(config: SiteConfig, site: Site, cache: RenderCache | None = None,
                  workers: Workers | None = None,
                  stats: BuildStats | None = None) -> dict[str, Rendered]:
    """Every entry's and page's body as HTML, by site path: from the cache, or rendered (in
    parallel when there are many) and then cached."""
    cache = cache or RenderCache(None)
    stats = stats or BuildStats()
    settings = markdown_settings(config)
    items = [*site.entries, *site.pages]
    keys = {item.path: markdown_key(settings, item.body) for item in items}
    texts = {keys[item.path]: item.body for item in items}
    found = cache.get_many(texts)
    missing = [key for key in texts if key not in found]
    jobs = [(texts[key], config.base_path, config.raw_html == "sanitize") for key in missing]
    fresh = list(zip(missing, map_ordered(_render, jobs, workers or Workers()), strict=True))
    cache.put_many(fresh)
    cache.keep_only(texts)
    found.update(fresh)
    stats.markdown_rendered += len(fresh)
    stats.markdown_reused += len(texts) - len(fresh)
    return {path: found[key] for path, key in keys.items()}


def _render(job: tuple[str, str, bool]) -> Rendered:
    return render_markdown(*job)


def site_files(site: Site, bodies: dict[str, Rendered]) -> Iterator[tuple[str, bytes]]:
    """Every generated file (pages, feeds, sitemap, robots.txt) as (path, bytes)."""
    renderer = Renderer(site, bodies)
    yield from renderer.outputs()
    yield from feed_outputs(site, renderer.articles)
    yield "sitemap.xml", renderer.render_template("sitemap.xml", urls=sitemap_urls(site, renderer))
    yield "robots.txt", renderer.render_template("robots.txt")


def sitemap_urls(site: Site, renderer: Renderer) -> list[tuple[str, str]]:
    """(absolute URL, last modified) for every HTML page but the 404 page."""
    config = site.config
    urls: list[tuple[str, str]] = []
    for collection in site.collections:
        for listing in site.listings(collection):
            newest = listing.entries[0].date.date().isoformat() if listing.entries else ""
            urls.append((config.absolute(listing.path), newest))
    urls.append((config.absolute("/tags/"), ""))
    urls.append((config.absolute("/archive/"), ""))
    urls.extend((config.absolute(f"/archive/{year}/"), "") for year in sorted(site.years))
    for entry in site.entries:
        urls.append((config.absolute(entry.path), (entry.updated or entry.date).date().isoformat()))
    urls.extend((config.absolute(page.path), "") for page in site.pages)
    return sorted(set(urls))


def build(config: SiteConfig, options: BuildOptions, out: Path | None = None, *,
          jobs: int | None = None) -> BuildResult:
    """Build the whole site into `out` (default: the configured output folder), atomically.
    `jobs`: worker processes (0: one per core, 1: serial; default from `[build] workers`)."""
    from .writer import StagedOutput

    started = time.perf_counter()
    output = (out or config.output_path).resolve()
    check_output_folder(config, output)
    stats = BuildStats()
    site, bodies = load_site(config, options, jobs=jobs, stats=stats)
    staged = StagedOutput(output)
    try:
        static = staged.copy_tree(config.static_dir)
        pages = feeds = 0
        for relative, data in site_files(site, bodies):
            staged.write(relative, data)
            if relative.endswith(".xml") and relative != "sitemap.xml":
                feeds += 1
            elif relative.endswith(".html"):
                pages += 1
        staged.commit()
    except BaseException:
        staged.discard()
        raise
    return BuildResult(site, pages, feeds, static, time.perf_counter() - started, output, stats)


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
