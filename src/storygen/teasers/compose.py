"""Compose one teaser for one entry and one platform: pure, deterministic, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import regex

from . import links
from .counting import utf8_bytes
from .platforms import DEFAULT_SPECS, MAX_THREAD, PlatformSpec, Settings
from .text import clean, hashtags, shorten, split

SOCIAL_KEYS = ("text", "hashtags", "image", "image_alt")
# Anything Threads may take for a link, bare domains included: it allows only a few per post.
_LINKS = regex.compile(r"(?:https?://|www\.)\S+|(?<![\w.@/])[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}\b")
_INLINE_TAG = regex.compile(r"(?<!\w)#\w+")
_JPEG = (".jpg", ".jpeg")


@dataclass(frozen=True)
class Source:
    """What a teaser is made from: one published entry, as plain values."""

    id: str  # the entry's site path, e.g. /stories/permits/
    url: str  # canonical absolute URL
    slug: str
    title: str
    type: str = "story"
    summary: str = ""
    first_paragraph: str = ""
    tags: tuple[str, ...] = ()
    social: Mapping[str, Any] = field(default_factory=dict)
    urgent: bool = False
    image: str = ""  # absolute URL
    image_alt: str = ""


@dataclass(frozen=True)
class Reply:
    """A later post of a numbered thread: its text, length and (Bluesky) facets."""

    text: str
    count: int
    facets: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Teaser:
    platform: str
    label: str
    id: str
    url: str
    link: str  # the URL posted (with UTM parameters when on)
    text: str  # the post, ready to paste
    count: int  # its length as the platform counts it
    limit: int
    unit: str
    hashtags: tuple[str, ...] = ()
    shortened: bool = False
    image: str = ""
    image_alt: str = ""
    facets: tuple[dict[str, Any], ...] = ()  # Bluesky rich-text facets
    card: Mapping[str, str] = field(default_factory=dict)  # Bluesky external embed
    api_text: str = ""  # LinkedIn: the escaped "little" text for the API
    notes: tuple[str, ...] = ()  # things staff should know before posting
    thread: tuple[Reply, ...] = ()  # the posts after this one, each a reply to the one before

    @property
    def bytes(self) -> int:
        return utf8_bytes(self.text)


@dataclass(frozen=True)
class Refusal:
    """No teaser for this entry and platform: an error (`skip` False) or a deliberate skip."""

    platform: str
    id: str
    message: str
    hint: str = ""
    field: str = "social"  # the front-matter key to point at ("body": the first paragraph)
    skip: bool = False


@dataclass(frozen=True)
class _Choice:
    text: str
    explicit: bool  # written for this platform: never shortened
    field: str


def check_social(social: Mapping[str, Any]) -> list[str]:
    """Problems with an entry's `social` block (shape only; one message per problem)."""
    problems = []
    known = {*SOCIAL_KEYS, "at", *DEFAULT_SPECS}  # at: when to post (read by crosspost/)
    for key, value in social.items():
        if key not in known:
            problems.append(f"social has an unknown key {key!r} (known: "
                            f"{', '.join([*SOCIAL_KEYS, 'at', *DEFAULT_SPECS])})")
        elif key in DEFAULT_SPECS and isinstance(value, Mapping):
            problems.extend(f"social.{key}.{k} is not a key storygen reads (known: "
                            f"{', '.join(SOCIAL_KEYS)})" for k in value if k not in SOCIAL_KEYS)
            problems.extend(_check_values(value, f"social.{key}"))
        elif key in DEFAULT_SPECS and not isinstance(value, str):
            problems.append(f"social.{key} must be the text or a set of key: value lines")
    problems.extend(_check_values(social, "social"))
    return problems


def _check_values(block: Mapping[str, Any], where: str) -> list[str]:
    problems = [f"{where}.{key} must be text" for key in ("text", "image", "image_alt")
                if key in block and not isinstance(block[key], str)]
    tags = block.get("hashtags", [])
    if not isinstance(tags, str) and not (
            isinstance(tags, list) and all(isinstance(t, str) for t in tags)):
        problems.append(f"{where}.hashtags must be a list of words, e.g. [FourthOfJuly]")
    return problems


def _own(source: Source, platform: str) -> Mapping[str, Any]:
    value = source.social.get(platform)
    if isinstance(value, str):
        return {"text": value}
    return value if isinstance(value, Mapping) else {}


def _choose_text(source: Source, platform: str) -> _Choice:
    override = _own(source, platform).get("text")
    if isinstance(override, str) and clean(override):
        return _Choice(clean(override), True, "social")
    candidates = ((source.social.get("text"), "social"), (source.summary, "summary"),
                  (source.first_paragraph, "body"), (source.title, "title"))
    for value, origin in candidates:
        if isinstance(value, str) and clean(value):
            return _Choice(clean(value), False, origin)
    return _Choice("", False, "title")


def _tag_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _image(source: Source, platform: str) -> tuple[str, str, str]:
    """(image, alt, field) from the most specific place that names an image."""
    for block, where in ((_own(source, platform), f"social.{platform}"),
                         (source.social, "social")):
        image = block.get("image")
        if isinstance(image, str) and image.strip():
            alt = block.get("image_alt")
            return image.strip(), clean(alt) if isinstance(alt, str) else "", where
    return source.image, clean(source.image_alt), "image_alt"


class _Layout:
    """Lays out text, link and hashtags for one platform, and measures the result."""

    def __init__(self, source: Source, spec: PlatformSpec, settings: Settings) -> None:
        self.source, self.spec = source, spec
        campaign = settings.utm_campaign.format(slug=source.slug, type=source.type,
                                                platform=spec.name)
        self.link = links.tagged_url(source.url, spec.utm_source or spec.name,
                                     settings.utm_medium, campaign) if settings.utm else source.url
        if spec.link == "display":
            self.link_line = links.display_url(source.url)
        elif spec.link == "wording":
            self.link_line = clean(spec.link_text.format(
                host=links.host(source.url), url=source.url, title=source.title))
        else:
            self.link_line = self.link

    def _order(self, body: str) -> list[str]:
        if self.spec.card_from_first_url and _LINKS.search(body):
            return [self.link_line, body]
        return [body, self.link_line]

    def text(self, body: str, tags: list[str]) -> str:
        parts = self._order(body)
        if tags:
            parts.append(" ".join("#" + t for t in tags))
        return "\n\n".join(p for p in parts if p)

    def api_text(self, body: str, tags: list[str]) -> str:
        if self.spec.escape != "little":
            return ""
        parts = [links.little_escape(p) for p in self._order(body) if p]
        if tags:
            parts.append(" ".join(links.little_hashtag(t) for t in tags))
        return "\n\n".join(parts)

    def length(self, body: str, tags: list[str]) -> int:
        measured = self.api_text(body, tags) or self.text(body, tags)
        trusted = (self.link_line,) if self.spec.link == "url" else ()
        return self.spec.length(measured, trusted)

    def fits(self, body: str, tags: list[str]) -> bool:
        spec = self.spec
        if self.length(body, tags) > spec.limit:
            return False
        text = self.text(body, tags)
        if spec.max_bytes is not None and utf8_bytes(text) > spec.max_bytes:
            return False
        return spec.max_links is None or len(set(_LINKS.findall(text)) | {self.link}) <= \
            spec.max_links


def _with_marker(marker: str, text: str) -> str:
    if not marker or text.casefold().startswith(marker.casefold()):
        return text
    return f"{marker} {text}"


def compose(source: Source, spec: PlatformSpec, settings: Settings) -> Teaser | Refusal:
    """The teaser for `source` on `spec`'s platform, or why there is none."""
    def refuse(message: str, hint: str = "", where: str = "social", skip: bool = False) -> Refusal:
        return Refusal(spec.name, source.id, f"{spec.label}: {message}", hint, where, skip)

    image, alt, image_field = _image(source, spec.name)
    if spec.needs_image and not image:
        return refuse("needs an image", "add image and image_alt to post there",
                      "title", skip=True)
    if image and not alt:
        return refuse("the image has no description (alt text)",
                      "describe the picture for people who cannot see it", image_field)
    if image and spec.alt_limit is not None and len(alt) > spec.alt_limit:
        return refuse(f"the image description has {len(alt)} characters; at most "
                      f"{spec.alt_limit}", "shorten image_alt", image_field)
    choice = _choose_text(source, spec.name)
    marker = settings.urgent_marker.strip() if source.urgent else ""
    inline = len(_INLINE_TAG.findall(choice.text))
    if spec.max_hashtags is not None and inline > spec.max_hashtags:
        return refuse(f"the text has {inline} hashtags; at most {spec.max_hashtags}",
                      "remove some hashtags", choice.field)
    tags = hashtags([*_tag_list(source.social.get("hashtags")),
                     *_tag_list(_own(source, spec.name).get("hashtags")), *source.tags],
                    skip=choice.text)[: max(0, spec.hashtags - inline)]
    layout = _Layout(source, spec, settings)
    body = _target(choice, marker, spec)
    for count in range(len(tags), -1, -1):
        if layout.fits(body, tags[:count]):
            shortened = body != _with_marker(marker, choice.text)
            return _teaser(source, spec, layout, body, tags[:count], shortened, (image, alt))
    if settings.thread and spec.threads and (threaded := _thread(
            source, spec, layout, _with_marker(marker, choice.text), tags, (image, alt))):
        return threaded
    if choice.explicit:
        return refuse(f"social.{spec.name}.text is too long ({layout.length(body, [])} "
                      f"{spec.unit} with the link; at most {spec.limit})",
                      "shorten it: overrides are never cut", "social")
    short = shorten(choice.text, lambda t: layout.fits(_with_marker(marker, t), []))
    if short is None:
        return refuse("cannot shorten the text to fit at a sentence or word boundary",
                      f"add a shorter social.{spec.name}.text", choice.field)
    body = _with_marker(marker, short)
    # A cut at a sentence or word end often leaves room: put back what hashtags fit in it.
    kept = next((tags[:n] for n in range(len(tags), 0, -1) if layout.fits(body, tags[:n])), [])
    return _teaser(source, spec, layout, body, kept, True, (image, alt))


def _thread(source: Source, spec: PlatformSpec, layout: _Layout, text: str, tags: list[str],
            media: tuple[str, str]) -> Teaser | None:
    """The whole text as a numbered thread: the first post carries the link and what hashtags
    fit; None if it would take more than MAX_THREAD posts, or a word fits no post."""
    mark = f" {MAX_THREAD}/{MAX_THREAD}"  # as long as every real "k/n"

    def fits(index: int, part: str) -> bool:
        if index == 0:
            return layout.fits(part + mark, [])
        return _fits_alone(spec, part + mark)

    parts = split(text, fits)
    if parts is None or not 1 < len(parts) <= MAX_THREAD:
        return None
    posts = [f"{part} {number}/{len(parts)}" for number, part in enumerate(parts, 1)]
    kept = next((tags[:n] for n in range(len(tags), 0, -1) if layout.fits(posts[0], tags[:n])),
                [])
    first = _teaser(source, spec, layout, posts[0], kept, False, media)
    replies = tuple(Reply(post, spec.length(post),
                          tuple(links.body_facets(post)) if spec.link == "display" else ())
                    for post in posts[1:])
    return replace(first, thread=replies)


def _fits_alone(spec: PlatformSpec, text: str) -> bool:
    """A post with no link or hashtags of ours (a thread's later post) within the limits."""
    return spec.length(text) <= spec.limit and (
        spec.max_bytes is None or utf8_bytes(text) <= spec.max_bytes)


def _target(choice: _Choice, marker: str, spec: PlatformSpec) -> str:
    """The text with the marker, shortened to the platform's target length where it can be."""
    if spec.target is None or choice.explicit:
        return _with_marker(marker, choice.text)
    short = shorten(choice.text, lambda t: spec.length(_with_marker(marker, t)) <= spec.target)
    return _with_marker(marker, short or choice.text)


def _teaser(source: Source, spec: PlatformSpec, layout: _Layout, body: str, tags: list[str],
            shortened: bool, media: tuple[str, str]) -> Teaser:
    text = layout.text(body, tags)
    facets: tuple[dict[str, Any], ...] = ()
    card: dict[str, str] = {}
    if spec.link == "display":
        facets = _facets(body, layout, tags)
        card = {"uri": layout.link, "title": source.title,
                "description": clean(source.summary or source.first_paragraph)}
    notes = ()
    if spec.needs_image and not media[0].lower().endswith(_JPEG):
        name = media[0].rsplit("/", 1)[-1]
        notes = (f"{spec.label} takes only JPEG images: convert {name} before posting",)
    return Teaser(spec.name, spec.label, source.id, source.url, layout.link, text,
                  layout.length(body, tags), spec.limit, spec.unit, tuple(tags), shortened,
                  media[0], media[1], facets, card, layout.api_text(body, tags), notes)


def _facets(body: str, layout: _Layout, tags: list[str]) -> tuple[dict[str, Any], ...]:
    """Facets for the links and tags the text itself holds, then a link facet over the shown
    URL and a tag facet per hashtag, as `_Layout.text` lays them out."""
    text = layout.text(body, tags)
    start = len(body) + 2 if body else 0
    end = start + len(layout.link_line)
    found = [*links.body_facets(body), links.link_facet(text, start, end, layout.link)]
    position = end + 2
    for tag in tags:
        found.append(links.tag_facet(text, position, position + len(tag) + 1, tag))
        position += len(tag) + 2
    return tuple(found)
