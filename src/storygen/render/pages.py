"""Render step: the site model -> (output path, bytes) pairs, through Jinja2 templates."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from ..model.site import Collection, Listing, Site
from ..problems import Problem, StorygenError
from ..read.config import SiteConfig
from ..read.content import Entry, Page
from ..read.reader import slugify
from .markdown import Rendered

META_DESCRIPTION_LENGTH = 160


@dataclass(frozen=True)
class Article:
    """An entry as templates see it: its fields, rendered body, summary and URLs."""

    entry: Entry
    body: Rendered  # its HTML may stay on disk until `html` is read
    summary: str
    url: str
    absolute_url: str
    current: bool  # False once an update has expired

    @property
    def html(self) -> Markup:
        return Markup(self.body.html)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.entry, name)


@dataclass(frozen=True)
class PageJob:
    """One templated file, not rendered yet: the build engine keys, skips or farms these out."""

    path: str  # output path, e.g. `stories/x/index.html`
    template: str
    context: dict[str, Any]


class _CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates kept in this process's memory (never on disk), checked against each
    template's source by Jinja, so `storygen serve` compiles only a template that changed."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _CompiledTemplates()


def make_environment(config: SiteConfig) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(config.templates_dir)),
        bytecode_cache=_COMPILED,
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(url=lambda path: config.base_path + str(path).lstrip("/"),
                       absolute=config.absolute, tag_slug=slugify)
    env.filters.update(human_date=human_date, iso=lambda d: d.isoformat(), jsonld=jsonld,
                       excerpt=excerpt)
    return env


def human_date(value: datetime) -> str:
    return f"{value:%B} {value.day}, {value.year}"


def excerpt(text: str, length: int = META_DESCRIPTION_LENGTH) -> str:
    """Shorten at a word boundary with an ellipsis (meta descriptions)."""
    if len(text) <= length:
        return text
    cut = text[: length - 1].rsplit(" ", 1)[0].rstrip(" ,;:.")
    return cut + "…"


def jsonld(data: Any) -> Markup:
    """JSON safe inside <script>: `<`, `>` and `&` are escaped so content cannot close the tag."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=None)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


class Renderer:
    """Turns the site model into files. Entry bodies are rendered before, by the build step."""

    def __init__(self, site: Site, bodies: dict[str, Rendered]) -> None:
        self.site = site
        self.config = site.config
        self.env = make_environment(site.config)
        self.articles = {e.path: self._article(e, bodies[e.path]) for e in site.entries}
        self.page_bodies = {p.path: bodies[p.path] for p in site.pages}
        self.env.globals.update(site=self._site_globals())

    def _article(self, entry: Entry, body: Rendered) -> Article:
        return Article(entry, body, entry.summary or body.first_paragraph,
                       self.config.base_path + entry.path.lstrip("/"),
                       self.config.absolute(entry.path), not entry.is_expired(self.site.now))

    def _site_globals(self) -> dict[str, Any]:
        config, site = self.config, self.site
        return {
            "config": config,
            "now": site.now,
            "title": config.title,
            "description": config.description,
            "language": config.language,
            "urgent": [self.articles[e.path] for e in site.urgent],
            "tags": site.tags,
            "pages": site.pages,
            "footer_links": config.footer_links,
            "social": config.social_accounts,
        }

    def article(self, entry: Entry) -> Article:
        return self.articles[entry.path]

    def outputs(self) -> Iterator[tuple[str, bytes]]:
        """Every generated file except static ones, in a stable order."""
        for job in self.jobs():
            yield job.path, self.render(job)

    def jobs(self) -> Iterator[PageJob]:
        """Every templated page, in a stable order, as work still to do."""
        return (make() for make in self.job_makers())

    def job_makers(self) -> Iterator[Callable[[], PageJob]]:
        """What makes each of `jobs()`: a job's values can be made again when it is rendered
        rather than kept from the time its key is taken (thousands of them add up)."""
        for collection in self.site.collections:
            for listing in self.site.listings(collection):
                yield partial(self._listing, collection, listing)
        yield self._tag_index
        yield self._archive_index
        for year in sorted(self.site.years, reverse=True):
            yield partial(self._archive_year, year)
        for entry in self.site.entries:
            yield partial(self._entry, entry)
        for page in self.site.pages:
            yield partial(self._page, page)
        yield lambda: PageJob("404.html", "404.html", dict(
            page_title="Page not found", canonical=None, description=""))

    def render(self, job: PageJob) -> bytes:
        return self.render_template(job.template, **job.context)

    def render_template(self, name: str, **context: Any) -> bytes:
        try:
            return self.env.get_template(name).render(**context).encode("utf-8")
        except jinja2.TemplateNotFound as exc:
            raise StorygenError([Problem(f"templates/{exc.name}", None, "template is missing",
                                         "restore it from storygen's sample site")]) from None
        except jinja2.TemplateSyntaxError as exc:
            raise StorygenError([Problem(f"templates/{exc.name or name}", exc.lineno,
                                         f"template error: {exc.message}")]) from None
        except jinja2.UndefinedError as exc:
            raise StorygenError([Problem(*self._where(exc, name), f"template error: {exc.message}",
                                         "check the variable name")]) from None
        except (jinja2.TemplateError, ArithmeticError, LookupError, TypeError, ValueError,
                AttributeError) as exc:  # what template code itself can raise
            raise StorygenError([Problem(*self._where(exc, name),
                                         f"template error: {type(exc).__name__}: {exc}",
                                         "fix the expression on that line")]) from None

    def _where(self, exc: Exception, name: str) -> tuple[str, int | None]:
        """The template (of those it includes, the innermost) and line an error comes from."""
        folder = self.config.templates_dir.resolve()
        place: tuple[str, int | None] = (f"templates/{name}", None)
        tb = exc.__traceback__
        while tb is not None:
            path = Path(tb.tb_frame.f_code.co_filename)
            if path.is_absolute() and path.is_relative_to(folder):
                place = (f"templates/{path.relative_to(folder).as_posix()}", tb.tb_lineno)
            tb = tb.tb_next
        return place

    def _listing(self, collection: Collection, listing: Listing) -> PageJob:
        items = [self.articles[e.path] for e in listing.entries]
        title = collection.title if listing.number == 1 else (
            f"{collection.title}, page {listing.number}")
        return PageJob(_index(listing.path), "list.html", dict(
            listing=listing, items=items, page_title=title, canonical=listing.path,
            description=self.config.description, collection=collection,
            is_home=collection.key == "all" and listing.number == 1))

    def _tag_index(self) -> PageJob:
        return PageJob("tags/index.html", "tags.html", dict(
            page_title="Topics", canonical="/tags/",
            description=f"Every topic covered by {self.config.title}."))

    def _archive_index(self) -> PageJob:
        years = sorted(self.site.years, reverse=True)
        return PageJob("archive/index.html", "archive.html", dict(
            years={y: len(self.site.years[y]) for y in years}, year=None,
            items=[], page_title="Archive", canonical="/archive/",
            description=f"Everything published by {self.config.title}, by year."))

    def _archive_year(self, year: int) -> PageJob:
        items = [self.articles[e.path] for e in self.site.years[year]]
        return PageJob(f"archive/{year}/index.html", "archive.html", dict(
            years={}, year=year, items=items, page_title=f"Published in {year}",
            canonical=f"/archive/{year}/", description=f"Stories and updates from {year}."))

    def _entry(self, entry: Entry) -> PageJob:
        article = self.articles[entry.path]
        return PageJob(_index(entry.path), "entry.html", dict(
            item=article, page_title=entry.title, canonical=entry.path,
            description=excerpt(article.summary), schema=self._schema(article)))

    def _page(self, page: Page) -> PageJob:
        body = self.page_bodies[page.path]
        return PageJob(_index(page.path), "page.html", dict(
            item=page, body=Markup(body.html), page_title=page.title, canonical=page.path,
            description=excerpt(page.summary or body.first_paragraph)))

    def _schema(self, article: Article) -> dict[str, Any]:
        entry, config = article.entry, self.config
        publisher: dict[str, Any] = {"@type": "GovernmentOrganization",
                                     "name": config.agency or config.title, "url": config.base_url}
        data: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": "NewsArticle" if entry.type == "update" else "BlogPosting",
            "headline": entry.title,
            "description": article.summary,
            "datePublished": entry.date.isoformat(),
            "dateModified": (entry.updated or entry.date).isoformat(),
            "url": article.absolute_url,
            "mainEntityOfPage": article.absolute_url,
            "publisher": publisher,
            "author": {"@type": "Person", "name": entry.author} if entry.author else publisher,
        }
        if entry.image:
            data["image"] = {"@type": "ImageObject", "url": config.absolute(entry.image),
                             "description": entry.image_alt}
        if entry.expires:
            data["expires"] = entry.expires.isoformat()
        return data


def _index(path: str) -> str:
    return path.strip("/") + "/index.html" if path.strip("/") else "index.html"


