""""Get e-mail updates" links: the agency's mailing-list provider, one topic per list of the site.

`[email] subscribe_url` holds `{topic}` (and may hold `{lang}`), filled in with the topic of
the page: a tag's slug, or `all`, `stories`, `updates`; other languages' topics are prefixed
(`es-weather`). `[email.topics]` maps those names to the provider's own codes (GovDelivery's
`USLAKE_12`, a Mailchimp tag...). Off when there is no `subscribe_url`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from urllib.parse import quote

from ..model.site import Collection, Tag
from ..problems import Problem, StorygenError
from ..read.config import CONFIG_FILE, SiteConfig
from ..read.content import Entry
from ..text import normalise_base_url, slugify


def subscribe_url(config: SiteConfig) -> str:
    """The provider's address, checked ('' when e-mail updates are off)."""
    url = config.section("email").get("subscribe_url", "")
    if url and not (isinstance(url, str) and normalise_base_url(url.split("?", 1)[0])):
        raise StorygenError([Problem(str(config.root / CONFIG_FILE), None,
                                     f"[email] subscribe_url must be an http(s) address, got "
                                     f"{url!r}", 'e.g. subscribe_url = "https://public.'
                                     'govdelivery.com/accounts/XX/subscriber/new?topic_id={topic}"')])
    return url or ""


def topic_name(key: str, prefix: str) -> str:
    """`weather`, `stories`, `all`; `es-weather` in the Spanish edition."""
    return f"{prefix.strip('/').replace('/', '-')}-{key}" if prefix else key


def links(config: SiteConfig, prefix: str, lang: str, topics: Sequence[tuple[str, str]]
          ) -> list[dict[str, str]]:
    """A `{label, url}` per (topic key, label), or none when e-mail updates are off."""
    url = subscribe_url(config)
    if not url:
        return []
    codes = config.section("email").get("topics", {})
    found = []
    for key, label in topics:
        name = topic_name(key, prefix)
        code = str(codes.get(name, name)) if isinstance(codes, dict) else name
        found.append({"label": label, "url": url.replace("{topic}", quote(code, safe=""))
                      .replace("{lang}", quote(lang, safe=""))})
    return found


def collection_topics(collection: Collection, tags: Sequence[Tag],
                      _: Callable[[str], str]) -> list[tuple[str, str]]:
    """The one topic of a listing: its tag, its type or everything."""
    key = collection.key.removeprefix(f"{collection.lang}:")
    if key.startswith("tag:"):
        slug = key.removeprefix("tag:")
        return [(slug, next((t.name for t in tags if t.slug == slug), slug))]
    if key in ("stories", "updates"):
        return [(key, collection.title)]
    return [("all", _("everything we publish"))]


def entry_topics(entry: Entry, _: Callable[[str], str]) -> list[tuple[str, str]]:
    """An entry's topics: each of its tags, else its type."""
    tags = [(slugify(tag), tag) for tag in entry.tags if slugify(tag)]
    return tags or [(entry.section, _("Service updates") if entry.type == "update"
                     else _("Stories"))]
