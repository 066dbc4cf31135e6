"""Pictures: width, height and srcset copies (WebP too) made once and kept by content hash in
the cache; a deterministic social card for each entry without a picture; an absolute og:image
with alt text on every entry page."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import own_copy, run_cli
from engine_tools import build_site_at, clean_build, make_site, tree
from PIL import Image
from site_tools import resolve
from test_build import build

from storygen.cache.store import DATABASE
from storygen.engine import media
from storygen.render import images

BASE = "https://news.example.gov/"


class _Meta(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.images: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "meta" and found.get("property"):
            self.meta[str(found["property"])] = str(found.get("content"))
        if tag in ("img", "source"):
            self.images.append(found)


def parsed(page: Path) -> _Meta:
    parser = _Meta()
    parser.feed(page.read_text("utf-8"))
    return parser


def with_picture(folder: Path, entries: int = 4) -> Path:
    """A generated site whose first entry shows a 1000x500 PNG; the others have none."""
    site = make_site(folder, entries)
    Image.new("RGB", (1000, 500), "#336699").save(site / "static" / "photo.png")
    first = site / "content" / "stories" / "entry-1.md"
    first.write_text(first.read_text("utf-8").replace(
        "---\n\n", "image: /photo.png\nimage_alt: A blue square\n---\n\n", 1), "utf-8")
    return site


def entry_page(out: Path, number: int) -> Path:
    return next(out.glob(f"*/entry-{number}/index.html"))


def srcset_urls(value: str) -> list[str]:
    return [part.strip().split(" ")[0] for part in value.split(",")]


def test_a_picture_gets_its_size_and_copies_that_resolve(tmp_path: Path) -> None:
    site = with_picture(tmp_path / "site")
    out = tmp_path / "out"
    build_site_at(site, out)
    page = entry_page(out, 1)
    found = parsed(page).images
    img = next(i for i in found if i.get("src") == "/photo.png")
    assert (img["width"], img["height"]) == ("1000", "500")
    webp = next(i for i in found if i.get("type") == "image/webp")
    for url in [*srcset_urls(str(img["srcset"])), *srcset_urls(str(webp["srcset"]))]:
        target = resolve(out, page, url, BASE)
        assert target is not None and target.is_file(), url
    sizes = {url: Image.open(resolve(out, page, url, BASE)).size
             for url in srcset_urls(str(webp["srcset"]))}
    assert sorted(sizes.values()) == [(480, 240), (800, 400), (1000, 500)]
    assert {Image.open(resolve(out, page, u, BASE)).format for u in sizes} == {"WEBP"}


def test_no_picture_is_encoded_again_after_an_edit_or_into_an_empty_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = with_picture(tmp_path / "site")
    out = tmp_path / "out"
    build_site_at(site, out, jobs=1)
    kept = {p: p.stat().st_mtime_ns for p in (site / ".storygen-cache" / "images").rglob("*.*")}
    assert len(kept) == 5 + 5 * len(list((site / "static" / "images").glob("*.png")))
    copies = {k: v for k, v in tree(out).items() if k.startswith("variants/")}

    def refuse(*args: object) -> bytes:
        raise AssertionError("a picture or a card was encoded again")

    monkeypatch.setattr(images, "encode", refuse)
    monkeypatch.setattr(media, "draw_card", refuse)  # the edited entry keeps its title
    other = site / "content" / "stories" / "entry-2.md"
    other.write_text(other.read_text("utf-8") + "\nOne more line.\n", "utf-8")
    photo = site / "static" / "photo.png"
    os.utime(photo, ns=(photo.stat().st_atime_ns, photo.stat().st_mtime_ns + 10**9))  # touched
    build_site_at(site, out, jobs=1)
    shutil.rmtree(out)
    build_site_at(site, out, jobs=1)
    assert {k: v for k, v in tree(out).items() if k.startswith("variants/")} == copies
    assert {p: p.stat().st_mtime_ns for p in kept} == kept


def test_a_template_edit_draws_no_card_again_and_a_new_address_draws_them_all(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A card is drawn from its entry's title, the agency, its badge, the colours and the
    site's host name: a saved template (which keys every page again) leaves the cards."""
    site = with_picture(tmp_path / "site")
    out = tmp_path / "out"
    build_site_at(site, out, jobs=1)
    drawn: list[str] = []
    draw = media.draw_card
    monkeypatch.setattr(media, "draw_card", lambda title, *rest: (drawn.append(title),
                                                                 draw(title, *rest))[1])
    template = own_copy(site, "templates/base.html")
    template.write_text(template.read_text("utf-8") + "<!-- saved -->\n", "utf-8")
    build_site_at(site, out, jobs=1)
    assert drawn == []
    settings = site / "site.toml"
    settings.write_text(settings.read_text("utf-8").replace(
        "https://news.example.gov/", "https://stories.example.gov/"), "utf-8")
    assert "stories.example.gov" in settings.read_text("utf-8")
    build_site_at(site, out, jobs=1)
    assert len(drawn) == len(list(out.joinpath("cards").rglob("*.png"))) > 0
    assert tree(out) == tree(clean_build(site, tmp_path / "clean", tmp_path / "c").output)


def test_cards_and_copies_are_the_same_from_clean_builds(tmp_path: Path) -> None:
    site = with_picture(tmp_path / "site")
    clean_build(site, tmp_path / "one", tmp_path / "cache-one")
    clean_build(site, tmp_path / "two", tmp_path / "cache-two")
    one = {k: v for k, v in tree(tmp_path / "one").items() if k.startswith(("cards", "variants"))}
    assert one == {k: v for k, v in tree(tmp_path / "two").items()
                   if k.startswith(("cards", "variants"))}
    assert len([k for k in one if k.endswith(".png") and k.startswith("cards/")]) == 3


@pytest.mark.parametrize(("output", "base", "count"), [
    ("built_sample", "https://news.lakeshorecounty.example.gov/", 10),
    ("built_new_site", "https://news.riverside.example.gov/", 2)])
def test_every_entry_page_has_an_absolute_resolving_og_image(
        request: pytest.FixtureRequest, output: str, base: str, count: int) -> None:
    """On the sample site and on one made by `storygen init`."""
    built: Path = request.getfixturevalue(output)
    pages = [p for p in sorted(built.glob("**/index.html"))
             if p.parent.parent.name in ("stories", "updates")]
    assert len(pages) >= count
    for page in pages:
        meta = parsed(page).meta
        url, alt = meta.get("og:image", ""), meta.get("og:image:alt", "")
        assert url.startswith(base), (page, url)
        assert alt.strip(), page
        target = resolve(built, page, url, base)
        assert target is not None and target.is_file(), url
        with Image.open(target) as image:
            assert image.width >= 600, url


def test_a_card_shows_the_title_in_the_site_colours(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", 2, toml_extra='[images]\ncard_background = "#004400"\n')
    out = tmp_path / "out"
    build_site_at(site, out)
    meta = parsed(entry_page(out, 0)).meta
    assert meta["og:image:alt"] == "Entry 0"
    card = resolve(out, entry_page(out, 0), meta["og:image"], BASE)
    with Image.open(card) as image:
        assert image.size == (1200, 630) and image.format == "PNG"
        assert image.convert("RGB").getpixel((5, 5)) == (0, 0x44, 0)
        colours = {c for _, c in image.convert("RGB").getcolors(1_000_000)}
    assert len(colours) > 2  # text was drawn on it


def test_a_site_default_image_replaces_the_cards(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", 2, toml_extra=(
        '[images]\nsocial_default = "/share.png"\nsocial_default_alt = "The county seal"\n'))
    Image.new("RGB", (1200, 630), "white").save(site / "static" / "share.png")
    out = tmp_path / "out"
    build_site_at(site, out)
    meta = parsed(entry_page(out, 0)).meta
    assert meta["og:image"] == BASE + "share.png"
    assert meta["og:image:alt"] == "The county seal"
    assert not (out / "cards").exists()


def test_a_bad_card_colour_is_an_error_naming_site_toml(make_site, capsys) -> None:
    site = make_site({"content/stories/a.md": "---\ntitle: A\ndate: 2025-01-01\n---\n\nText.\n"})
    toml = site / "site.toml"
    toml.write_text(toml.read_text("utf-8") + '[images]\ncard_background = "blurple"\n', "utf-8")
    assert build(site) == 1
    err = capsys.readouterr().err
    assert "site.toml" in err and "card_background" in err and "Traceback" not in err


def test_an_unreadable_picture_is_published_as_it_is_with_a_warning(make_site, capsys) -> None:
    site = make_site({"content/stories/a.md": "---\ntitle: A\ndate: 2025-01-01\n---\n\nText.\n",
                      "static/broken.png": "this is no PNG"})
    assert build(site) == 0
    assert re.search(r"warning: static/broken\.png: cannot be read as a picture",
                     capsys.readouterr().out)
    assert (site / "_site" / "broken.png").read_text("utf-8") == "this is no PNG"


def test_a_link_planted_in_the_cache_is_not_written_through(tmp_path: Path) -> None:
    site = with_picture(tmp_path / "site")
    outside = tmp_path / "outside"
    outside.mkdir()
    cache = site / ".storygen-cache"
    cache.mkdir()
    (cache / "images").symlink_to(outside, target_is_directory=True)
    build_site_at(site, tmp_path / "out")
    assert list(outside.iterdir()) == []
    data = (tmp_path / "out" / "variants" / "photo-480w.webp").read_bytes()
    assert Image.open(io.BytesIO(data)).size == (480, 240)


def test_a_copy_planted_in_the_cache_as_a_second_name_is_never_published(
        tmp_path: Path) -> None:
    """A hard link where a copy is kept, to a picture of the right width elsewhere: neither
    read (it would be published as the copy) nor written through; made again."""
    site = with_picture(tmp_path / "site")
    build_site_at(site, tmp_path / "clean")
    outside = tmp_path / "outside.webp"
    Image.new("RGB", (480, 240), "red").save(outside, "WEBP")
    before = outside.read_bytes()
    sha = hashlib.sha256((site / "static" / "photo.png").read_bytes()).hexdigest()
    kept = site / ".storygen-cache" / "images" / sha[:2] / f"{sha}-480.webp"
    assert kept.is_file()
    kept.unlink()
    os.link(outside, kept)
    (site / ".storygen-cache" / DATABASE).unlink()  # so the copies are asked for again
    build_site_at(site, tmp_path / "out")
    assert outside.read_bytes() == before and os.stat(outside).st_nlink == 1
    assert tree(tmp_path / "out") == tree(tmp_path / "clean")


def test_instagram_teasers_get_a_jpeg_of_the_picture(sample_site: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    assert run_cli("crosspost", "--root", str(sample_site), "--all") == 0
    out = sample_site / "_crosspost"
    posts = json.loads((out / "instagram.json").read_text("utf-8"))["teasers"]
    assert posts
    for post in posts:
        jpeg = out / "instagram" / f"{post['entry'].strip('/')}.jpg"
        with Image.open(jpeg) as image:
            assert image.format == "JPEG" and image.mode == "RGB"
            source = sample_site / "static" / post["image"].split("/", 3)[3]
            assert image.size == Image.open(source).size


def test_a_default_image_not_published_or_not_described_is_an_error(make_site, capsys) -> None:
    site = make_site({"content/stories/a.md": "---\ntitle: A\ndate: 2025-01-01\n---\n\nText.\n"},
                     toml='[site]\ntitle = "News"\nbase_url = "https://news.example.gov/"\n'
                     '[images]\nsocial_default = "/images/share.png"\n')
    toml = site / "site.toml"
    assert build(site) == 1
    err = capsys.readouterr().err
    assert f"{toml}: [images] social_default /images/share.png is not in static/" in err
    assert "social_default_alt" in err and "Traceback" not in err
    assert not (site / "_site").exists()
    (site / "static" / "images").mkdir(parents=True)
    Image.new("RGB", (1200, 630), "white").save(site / "static" / "images" / "share.png")
    assert build(site) == 1
    err = capsys.readouterr().err
    assert "is not in static/" not in err and "has no social_default_alt" in err
    toml.write_text(toml.read_text("utf-8") + 'social_default_alt = "The county seal"\n', "utf-8")
    assert build(site) == 0
