"""Render step: the site model -> (output path, bytes) pairs, through Jinja2 templates."""

from __future__ import annotations

import gettext
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property, partial
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from ..model.editions import Edition
from ..model.site import Collection, Listing, Rendered, Site
from ..problems import Problem, StorygenError
from ..read.config import SiteConfig
from ..read.content import Entry, Page
from ..text import locale_name, slugify
from ..theme import TEMPLATES, template_folders
from .gov import gov_globals, search_globals
from .images import pictures
from .languages import language_links
from .loader import OutsideTemplate, SiteTemplates
from .search import Part, part_folders, search_parts
from .social import social_image
from .subscribe import collection_topics, entry_topics
from .subscribe import links as subscribe_links

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
    lang: str = ""  # the language it is written in ("": the site's)


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


def make_environment(config: SiteConfig, lang: str = "",
                     catalogue: gettext.NullTranslations | None = None) -> jinja2.Environment:
    """Templates for pages in `lang` (default: the site's language): `_()`, `{% trans %}` and
    dates speak it, from `catalogue` (none: English)."""
    lang = lang or config.language
    env = jinja2.Environment(
        extensions=["jinja2.ext.i18n"],
        loader=SiteTemplates(template_folders(config), [config.root, TEMPLATES]),
        bytecode_cache=_COMPILED,
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # one build, one version of each template: a save means a new build
    )
    env.install_gettext_translations(catalogue or gettext.NullTranslations(), newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(url=lambda path: config.base_path + str(path).lstrip("/"),
                       absolute=config.absolute, tag_slug=slugify, pictures={})
    env.filters.update(human_date=partial(human_date, lang=lang), iso=lambda d: d.isoformat(),
                       human_time=partial(human_time, lang=lang),
                       jsonld=jsonld, excerpt=excerpt)
    return env


def human_date(value: datetime, lang: str = "en-US") -> str:
    """`September 14, 2026`; `14 de septiembre de 2026` in Spanish (CLDR's long form)."""
    from babel.dates import format_date

    return format_date(value, "long", locale=locale_name(lang))


def human_time(value: datetime, lang: str = "en-US") -> str:
    """`December 3, 2026, 5:00 PM`; `3 de diciembre de 2026, 17:00` in Spanish (CLDR's)."""
    from babel import Locale
    from babel.dates import format_datetime

    locale = Locale.parse(locale_name(lang))
    pattern = str(locale.datetime_formats["long"]).format(
        locale.time_formats["short"].pattern, locale.date_formats["long"].pattern)
    return format_datetime(value, pattern, tzinfo=value.tzinfo, locale=locale)


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

    def __init__(self, site: Site) -> None:
        self.site = site
        self.config = site.config
        self.articles = {e.path: self._article(e, site.bodies[e.path]) for e in site.entries}
        self.page_bodies = {p.path: site.bodies[p.path] for p in site.pages}
        editions = site.editions
        self.envs = {e.lang: make_environment(site.config, e.lang, site.catalogue(e.lang))
                     for e in editions}
        for edition in editions:
            self.envs[edition.lang].globals.update(site=self._site_globals(edition))
        self.env = self.envs[site.config.language]
        self.pictures, self.unreadable = pictures(site.config, site.static)
        site.warnings.extend(self.unreadable)
        table = {path: picture.for_templates(self.env.globals["url"])
                 for path, picture in self.pictures.items()}
        for env in self.envs.values():
            env.globals["pictures"] = table
        self.gettexts = {e.lang: site.catalogue(e.lang).gettext for e in editions}
        self.site_globals = {lang: env.globals["site"] for lang, env in self.envs.items()}

    def _article(self, entry: Entry, body: Rendered) -> Article:
        return Article(entry, body, entry.summary or body.first_paragraph,
                       self.config.base_path + entry.path.lstrip("/"),
                       self.config.absolute(entry.path), not entry.is_expired(self.site.now))

    def _site_globals(self, edition: Edition) -> dict[str, Any]:
        """The `site` templates see on pages in the edition's language."""
        config, site = self.config, self.site
        return {
            "config": config,
            "now": site.now,
            "title": edition.settings.title,
            "description": edition.settings.description,
            "language": edition.lang,
            "home": edition.home,
            "urgent": [self.articles[e.path] for e in edition.urgent],
            "tags": site.tags_by_lang[edition.lang],
            "pages": [p for p in site.pages if p.lang == edition.lang],
            "footer_links": config.footer_links,
            "social": config.social_accounts,
            "gov": gov_globals(config),
            "search": search_globals(config, edition.home),
        }

    def article(self, entry: Entry) -> Article:
        return self.articles[entry.path]

    def rebodied(self, site: Site, saved: Iterable[Entry | Page]) -> None:
        """Render `site` from now on: the same model as before with new bodies for `saved`
        (each with the front matter it had), whose articles and bodies are made again."""
        self.site = site
        for item in saved:
            if isinstance(item, Entry):
                self.articles[item.path] = self._article(item, site.bodies[item.path])
            else:
                self.page_bodies[item.path] = site.bodies[item.path]

    def jobs(self) -> Iterator[PageJob]:
        """Every templated page, in a stable order, as work still to do."""
        return (make() for make in self.makers)

    @cached_property
    def search_parts(self) -> list[Part]:
        """The search index's parts: a body saved keeps them (they hold addresses)."""
        return search_parts(self.site)

    @cached_property
    def makers(self) -> list[Callable[[], PageJob]]:
        """What makes each of `jobs()`: a job's values can be made again when it is rendered
        rather than kept from the time its key is taken (thousands of them add up)."""
        return list(self._makers())

    def _makers(self) -> Iterator[Callable[[], PageJob]]:
        for collection in self.site.collections:
            for listing in self.site.listings(collection):
                yield partial(self._listing, collection, listing)
        for edition in self.site.editions:
            yield partial(self._tag_index, edition)
            yield partial(self._archive_index, edition)
            yield partial(self._search_page, edition)
            for year in sorted(self.site.years_by_lang[edition.lang], reverse=True):
                yield partial(self._archive_year, edition, year)
        for entry in self.site.entries:
            yield partial(self._entry, entry)
        for page in self.site.pages:
            yield partial(self._page, page)
        yield lambda: self._job("404.html", "404.html", self.config.language, dict(
            page_title=self._(self.config.language)("Page not found"), canonical=None,
            description=""))

    def _(self, lang: str) -> Callable[[str], str]:
        """gettext for `lang`: interface text made in Python (page titles, descriptions)."""
        return self.gettexts[lang]

    def _job(self, path: str, template: str, lang: str, context: dict[str, Any]) -> PageJob:
        """A page in `lang`, told its translations (for hreflang and the language switcher)."""
        canonical = context.get("canonical")
        context.update(language_links(self.site, canonical, lang))
        return PageJob(path, template, context, lang)

    def render(self, job: PageJob) -> bytes:
        return self.render_template(job.template, lang=job.lang, **job.context)

    def render_template(self, name: str, lang: str = "", **context: Any) -> bytes:
        """A template rendered with `context`, in `lang` (default: the site's language)."""
        env = self.envs.get(lang, self.env)
        try:
            return env.get_template(name).render(**context).encode("utf-8")
        except jinja2.TemplateNotFound as exc:
            raise StorygenError([Problem(f"templates/{exc.name}", None, "template is missing",
                                         "fix the name; `storygen theme list` shows the "
                                         "theme's templates")]) from None
        except OutsideTemplate as exc:
            raise StorygenError([Problem(f"templates/{exc.name}", None, f"the template is a "
                                         f"link to a file outside the site ({exc.target}): "
                                         "storygen reads no file outside the site",
                                         "copy the file into templates/ instead")]) from None
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
        folders = [Path(folder).resolve() for folder in template_folders(self.config)]
        place: tuple[str, int | None] = (f"templates/{name}", None)
        tb = exc.__traceback__
        while tb is not None:
            path = Path(tb.tb_frame.f_code.co_filename)
            for folder in folders:  # the site's first: a theme path never names a site file
                if path.is_absolute() and path.is_relative_to(folder):
                    place = (f"templates/{path.relative_to(folder).as_posix()}", tb.tb_lineno)
                    break
            tb = tb.tb_next
        return place

    def _listing(self, collection: Collection, listing: Listing) -> PageJob:
        items = [self.articles[e.path] for e in listing.entries]
        lang = collection.lang or self.config.language
        _ = self._(lang)
        title = collection.title if listing.number == 1 else _(
            "%(title)s, page %(number)d") % {"title": collection.title, "number": listing.number}
        return self._job(_index(listing.path), "list.html", lang, dict(
            listing=listing, items=items, page_title=title, canonical=listing.path,
            description=self.site_globals[lang]["description"], collection=collection,
            is_home=collection.base == self.site_globals[lang]["home"] and listing.number == 1,
            email_links=self._email(lang, collection_topics(
                collection, self.site.tags_by_lang[lang], _))))

    def _tag_index(self, edition: Edition) -> PageJob:
        _ = self._(edition.lang)
        return self._job(edition.prefix + "tags/index.html", "tags.html", edition.lang, dict(
            page_title=_("Topics"), canonical=edition.home + "tags/",
            description=_("Every topic covered by %(site)s.") % {"site": edition.settings.title}))

    def _archive_index(self, edition: Edition) -> PageJob:
        _, years = self._(edition.lang), self.site.years_by_lang[edition.lang]
        return self._job(edition.prefix + "archive/index.html", "archive.html", edition.lang, dict(
            years={y: len(years[y]) for y in sorted(years, reverse=True)}, year=None,
            items=[], page_title=_("Archive"), canonical=edition.home + "archive/",
            description=_("Everything published by %(site)s, by year.") % {
                "site": edition.settings.title}))

    def _search_page(self, edition: Edition) -> PageJob:
        _ = self._(edition.lang)
        return self._job(edition.prefix + "search/index.html", "search.html", edition.lang, dict(
            page_title=_("Search"), canonical=edition.home + "search/",
            search_parts=[self.config.base_path + folder
                          for folder in part_folders(self.search_parts, edition.lang)],
            description=_("Search everything published by %(site)s.") % {
                "site": edition.settings.title}))

    def _archive_year(self, edition: Edition, year: int) -> PageJob:
        _ = self._(edition.lang)
        items = [self.articles[e.path] for e in self.site.years_by_lang[edition.lang][year]]
        return self._job(f"{edition.prefix}archive/{year}/index.html", "archive.html",
                         edition.lang, dict(
            years={}, year=year, items=items,
            page_title=_("Published in %(year)d") % {"year": year},
            canonical=f"{edition.home}archive/{year}/",
            description=_("Stories and updates from %(year)d.") % {"year": year}))

    def _entry(self, entry: Entry) -> PageJob:
        article = self.articles[entry.path]
        return self._job(_index(entry.path), "entry.html", entry.lang, dict(
            item=article, page_title=entry.title, canonical=entry.path,
            description=excerpt(article.summary), schema=self._schema(article),
            social_image=social_image(self.config, self.pictures, entry),
            email_links=self._email(entry.lang, entry_topics(entry, self._(entry.lang)))))

    def _email(self, lang: str, topics: list[tuple[str, str]]) -> list[dict[str, str]]:
        """"Get e-mail updates" links of a page (none unless `[email] subscribe_url`)."""
        return subscribe_links(self.config, self.site.edition(lang).prefix, lang, topics)

    def _page(self, page: Page) -> PageJob:
        body = self.page_bodies[page.path]
        return self._job(_index(page.path), "page.html", page.lang, dict(
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


