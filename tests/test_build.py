"""End-to-end builds of the sample site and of small temporary sites, through the real CLI."""

from __future__ import annotations

import html
import json
import re
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest
from conftest import own_copy, run_cli
from site_tools import broken_links, tree_digest

BASE = "https://news.lakeshorecounty.example.gov/"


def build(site: Path, *args: str) -> int:
    return run_cli("build", "--root", str(site), *args)


def entry(title: str, date: str = "2025-01-10", body: str = "Some text.", **fields: str) -> str:
    extra = "".join(f"{key}: {value}\n" for key, value in fields.items())
    return f"---\ntitle: {title}\ndate: {date}\n{extra}---\n\n{body}\n"


def test_sample_site_builds_with_resolving_links(sample_site: Path) -> None:
    assert build(sample_site) == 0
    out = sample_site / "_site"
    for expected in ("index.html", "404.html", "feed.xml", "atom.xml", "sitemap.xml",
                     "robots.txt", "stories/index.html", "updates/index.html", "tags/index.html",
                     "archive/index.html", "about/index.html", "css/site.css"):
        assert (out / expected).is_file(), expected
    assert broken_links(out, BASE) == []


def test_two_builds_are_byte_identical(sample_site: Path, tmp_path: Path) -> None:
    assert build(sample_site, "--out", str(tmp_path / "one")) == 0
    assert build(sample_site, "--out", str(tmp_path / "two")) == 0
    assert tree_digest(tmp_path / "one") == tree_digest(tmp_path / "two")


def test_feeds_parse_and_hold_listed_entries(make_site) -> None:
    site = make_site({
        "content/stories/a.md": entry("Alpha", "2025-01-01", tags="[roads]"),
        "content/stories/b.md": entry("Beta", "2025-01-02", type="update"),
        "content/stories/c.md": entry("Gamma draft", "2025-01-03", draft="true"),
        "content/stories/d.md": entry("Delta future", "2999-01-01"),
        "content/stories/e.md": entry("Epsilon expired", "2025-01-04", type="update",
                                      expires="2025-02-01"),
        "content/stories/f.md": entry("Zeta", "2025-01-05",
                                      body="See ![map](/images/map.png) and [us](/about/)."),
    })
    assert build(site) == 0
    out = site / "_site"
    for name in ("feed.xml", "atom.xml"):
        parsed = feedparser.parse((out / name).read_bytes())
        assert parsed.bozo == 0, parsed.get("bozo_exception")
        assert [e.title for e in parsed.entries] == ["Zeta", "Beta", "Alpha"]
        zeta = parsed.entries[0]
        assert zeta.link == "https://news.example.gov/stories/f/"
        assert zeta.id == "https://news.example.gov/stories/f/"
        html = zeta.content[0].value
        assert 'src="https://news.example.gov/images/map.png"' in html
        assert 'href="https://news.example.gov/about/"' in html
    updates = feedparser.parse((out / "updates/feed.xml").read_bytes())
    assert [e.title for e in updates.entries] == ["Beta"]
    tag = feedparser.parse((out / "tags/roads/atom.xml").read_bytes())
    assert [e.title for e in tag.entries] == ["Alpha"]


def test_drafts_future_and_expired_are_placed_right(make_site) -> None:
    site = make_site({
        "content/stories/live.md": entry("Live", "2025-01-01"),
        "content/stories/draft.md": entry("Draft", "2025-01-02", draft="true"),
        "content/stories/future.md": entry("Future", "2999-01-01"),
        "content/stories/old.md": entry("Old notice", "2025-01-03", type="update",
                                        expires="2025-01-20"),
    })
    assert build(site) == 0
    out = site / "_site"
    assert not (out / "stories/draft/index.html").exists()
    assert not (out / "stories/future/index.html").exists()
    expired_page = (out / "updates/old/index.html").read_text()
    assert "No longer current" in expired_page
    home = (out / "index.html").read_text()
    assert "Live" in home and "Old notice" not in home
    assert "Old notice" not in (out / "feed.xml").read_text()
    assert build(site, "--drafts", "--future") == 0
    assert "Draft:" in (out / "stories/draft/index.html").read_text()
    assert (out / "stories/future/index.html").is_file()


def test_urgent_update_banner_on_every_page_while_current(make_site) -> None:
    site = make_site({
        "content/stories/storm.md": entry("Storm closure", "2025-01-01", type="update",
                                          urgent="true"),
        "content/stories/story.md": entry("A story", "2025-01-02"),
        "content/pages/about.md": "---\ntitle: About\n---\nAbout us.\n",
    })
    assert build(site) == 0
    out = site / "_site"
    for page in ("index.html", "stories/story/index.html", "about/index.html", "404.html"):
        assert 'class="urgent-banner"' in (out / page).read_text(), page
    home = (out / "index.html").read_text()
    assert home.index("Storm closure") < home.index("A story")  # urgent first though older


def test_pagination(make_site) -> None:
    site = make_site({f"content/stories/s{i}.md": entry(f"Story {i}", f"2025-01-{i + 10}")
                      for i in range(5)})
    assert build(site) == 0
    out = site / "_site"
    assert (out / "page/2/index.html").is_file() and (out / "page/3/index.html").is_file()
    assert not (out / "page/4/index.html").exists()
    assert 'rel="next"' in (out / "index.html").read_text()
    assert broken_links(out, "https://news.example.gov/") == []


HOSTILE = '<script>alert("x")</script> & "quotes" </title>'


def test_hostile_title_and_summary_are_escaped(make_site) -> None:
    title = json.dumps(HOSTILE)
    site = make_site({"content/stories/evil.md": entry(
        title, "2025-01-01", summary=json.dumps(HOSTILE + " \u2028 end"), author=title)})
    assert build(site) == 0
    out = site / "_site"
    page = (out / "stories/evil/index.html").read_text()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp;" in page
    ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert ld is not None
    data = json.loads(ld.group(1))
    assert data["headline"] == HOSTILE
    assert "</" not in ld.group(1)
    atom = feedparser.parse((out / "atom.xml").read_bytes())
    assert atom.bozo == 0 and atom.entries[0].title == HOSTILE
    rss = feedparser.parse((out / "feed.xml").read_bytes())
    assert rss.bozo == 0 and len(rss.entries) == 1
    # A feed reader's own parser: it takes RSS title and description as HTML, which shows
    # the text as written (no tag in it, its characters escaped once).
    shown = rss.entries[0]
    for value, detail in ((shown.title, shown.title_detail), (shown.summary,
                                                               shown.summary_detail)):
        assert detail.type == "text/html" and "<" not in value, value
    assert html.unescape(shown.title) == HOSTILE
    assert html.unescape(shown.summary).startswith(HOSTILE)
    # RSS readers take title and description as HTML: as HTML, they are the text as written.
    item = ET.parse(out / "feed.xml").getroot().find("channel/item")
    assert item is not None
    for field in ("title", "description"):
        shown = item.findtext(field) or ""
        assert "<" not in shown and html.unescape(shown).startswith(HOSTILE), shown


def test_bad_front_matter_reports_every_file_and_keeps_old_output(make_site, capsys) -> None:
    site = make_site({"content/stories/good.md": entry("Good", "2025-01-01")})
    assert build(site) == 0
    before = tree_digest(site / "_site")
    (site / "content/stories/bad.md").write_text("---\ntitle: [unclosed\ndate: 2025-01-01\n---\n")
    (site / "content/stories/nodate.md").write_text("---\ntitle: No date\n---\nText\n")
    (site / "content/stories/alt.md").write_text(
        "---\ntitle: Pic\ndate: 2025-01-01\nimage: /a.png\n---\nText\n")
    capsys.readouterr()
    assert build(site) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "content/stories/bad.md:3:" in err or "content/stories/bad.md:2:" in err
    assert "content/stories/nodate.md:1: 'date' is missing" in err
    assert "content/stories/alt.md:4: the image has no alt text" in err
    assert tree_digest(site / "_site") == before


def test_duplicate_slug_names_both_files(make_site, capsys) -> None:
    site = make_site({
        "content/stories/one.md": entry("One", slug="same"),
        "content/stories/two.md": entry("Two", slug="same"),
    })
    assert build(site) == 1
    err = capsys.readouterr().err
    assert "content/stories/one.md:4: the web address /stories/same/ is used by 2 files: " \
           "content/stories/one.md, content/stories/two.md (give each a slug" in err
    assert "two.md:" not in err  # one problem, not one per file


def test_missing_template_is_reported(make_site, capsys) -> None:
    site = make_site({"content/stories/one.md": entry("One"),
                      "templates/entry.html": '{% include "partials/nope.html" %}\n'})
    assert build(site) == 1
    err = capsys.readouterr().err
    assert "templates/partials/nope.html: template is missing" in err
    assert not (site / "_site").exists()


@pytest.mark.parametrize("expression", ["1 / 0", "'a' + 1", "item.title.nope()",
                                        "range(3)[7]", "none_such | int(base=1)"])
def test_error_raised_by_template_code_names_the_template_and_line(
        make_site, capsys, expression: str) -> None:
    site = make_site({"content/stories/one.md": entry("One")})
    assert build(site) == 0
    before = tree_digest(site / "_site")
    card = own_copy(site, "templates/partials/card.html")  # included by the listing pages
    card.write_text(card.read_text() + f"\n{{{{ {expression} }}}}\n")
    line = card.read_text().count("\n")
    assert build(site) == 1
    err = capsys.readouterr().err
    assert f"templates/partials/card.html:{line}: template error" in err
    assert "Traceback" not in err
    assert tree_digest(site / "_site") == before


def test_base_url_with_sub_path(sample_site: Path) -> None:
    base = "https://example.github.io/county-news/"
    assert build(sample_site, "--base-url", base) == 0
    out = sample_site / "_site"
    assert broken_links(out, base) == []
    page = (out / "index.html").read_text()
    assert 'href="/county-news/css/site.css"' in page
    assert f'<link rel="canonical" href="{base}">' in page
    assert f"<loc>{base}stories/" in (out / "sitemap.xml").read_text()


def test_output_folder_that_is_not_ours_is_refused(sample_site: Path, tmp_path: Path,
                                                   capsys) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    assert build(sample_site, "--out", str(precious)) == 1
    assert "storygen did not make" in capsys.readouterr().err
    assert (precious / "notes.txt").read_text() == "keep me"


def test_out_never_adopts_a_folder_that_only_looks_like_a_site(sample_site: Path,
                                                            tmp_path: Path, capsys) -> None:
    """A `404.html` and a `sitemap.xml` prove nothing: only storygen's own marker does."""
    other = tmp_path / "other-site"
    other.mkdir()
    for name in ("404.html", "sitemap.xml", "index.html"):
        (other / name).write_text(f"another generator's {name}")
    (other / ".storygen-output").symlink_to(sample_site / "site.toml")  # not the marker either
    assert build(sample_site, "--out", str(other)) == 1
    assert "storygen did not make" in capsys.readouterr().err
    assert sorted(p.name for p in other.iterdir()) == [
        ".storygen-output", "404.html", "index.html", "sitemap.xml"]
    assert (other / "404.html").read_text() == "another generator's 404.html"
    ours = tmp_path / "ours"
    assert build(sample_site, "--out", str(ours)) == 0
    assert build(sample_site, "--out", str(ours)) == 0  # its own folder: replaced


@pytest.mark.parametrize("how", ["the_output", "a_folder_on_the_way", "a_dangling_output"])
def test_a_link_on_the_way_to_the_output_is_refused(sample_site: Path, tmp_path: Path,
                                                    capsys, how: str) -> None:
    """The output folder, or a folder of the site on the way to it, planted as a link to
    another site's output (storygen's marker and all), or to nowhere yet: refused, and
    nothing there is replaced or made."""
    other = tmp_path / "other-site-output"
    assert build(sample_site, "--out", str(other)) == 0  # storygen's own, marker and all
    (other / "index.html").write_text("the other site's home page")
    before = tree_digest(other)
    if how == "the_output":
        (sample_site / "_site").symlink_to(other, target_is_directory=True)
    elif how == "a_folder_on_the_way":
        (sample_site / "public").symlink_to(tmp_path, target_is_directory=True)
        (sample_site / "site.toml").write_text((sample_site / "site.toml").read_text().replace(
            "[site]\n", '[site]\noutput_dir = "public/other-site-output"\n', 1))
    else:
        (sample_site / "_site").symlink_to(tmp_path / "nowhere" / "out")
    assert build(sample_site) == 1
    err = capsys.readouterr().err
    assert "passes through a link" in err and "Traceback" not in err
    assert tree_digest(other) == before
    assert not (tmp_path / "nowhere").exists()


def test_a_base_url_that_would_break_out_of_an_attribute_is_refused(
        sample_site: Path, capsys) -> None:
    for address in ('https://x.gov/a"onmouseover="alert(1)"x/', "https://x.gov/<script>/",
                    "https://x.gov/a b/"):
        assert build(sample_site, "--base-url", address) == 1
        assert "must be an absolute http(s) URL" in capsys.readouterr().err
    assert not (sample_site / "_site").exists()


def test_a_base_path_is_escaped_in_the_links_of_a_body(sample_site: Path) -> None:
    """`&` is allowed in a URL's path; in an attribute it is written `&amp;`."""
    assert build(sample_site, "--base-url", "https://x.gov/r&d/") == 0
    page = (sample_site / "_site/stories/lakeshore-311-app/index.html").read_text()
    assert 'href="/r&amp;d/stories/' in page and 'href="/r&d/' not in page


def test_new_writes_a_draft_and_refuses_to_overwrite(sample_site: Path, capsys) -> None:
    assert run_cli("new", "--root", str(sample_site), "Road repairs: what's next") == 0
    path = sample_site / "content/stories/road-repairs-what-s-next.md"
    text = path.read_text()
    assert 'title: "Road repairs: what\'s next"' in text and "draft: true" in text
    assert run_cli("new", "--root", str(sample_site), "Road repairs: what's next") == 1
    assert "already exists" in capsys.readouterr().err
    assert path.read_text() == text
    assert build(sample_site, "--drafts") == 0
    assert (sample_site / "_site/stories/road-repairs-what-s-next/index.html").is_file()


@pytest.mark.parametrize("toml,message", [
    ('[site]\nbase_url = "https://x.gov/"\n', "[site] title is required"),
    ('[site]\ntitle = "X"\nbase_url = "x.gov"\n', "base_url must be an absolute"),
    ('[site]\ntitle = "X"\nbase_url = "https://x.gov/"\ntimezone = "Mars/Base"\n',
     "timezone 'Mars/Base' is unknown"),
    ('[site]\ntitle = "X\nbase_url = 1\n', "site.toml:2: site.toml is not valid TOML"),
])
def test_bad_site_toml(make_site, capsys, toml: str, message: str) -> None:
    site = make_site({"content/stories/one.md": entry("One")}, toml=toml)
    assert build(site) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize("option,env,blamed,hint", [
    (("--base-url", "news.example.gov"), None, "--base-url: the base URL", "--base-url https://"),
    ((), "ftp://news.example.gov", "STORYGEN_BASE_URL: the base URL", "or unset it"),
    (("--base-url", "//news"), "https://fine.example.gov/", "--base-url: the base URL", ""),
])
def test_a_bad_base_url_is_blamed_on_where_it_came_from(
        sample_site: Path, capsys, monkeypatch: pytest.MonkeyPatch, option: tuple[str, ...],
        env: str | None, blamed: str, hint: str) -> None:
    if env:
        monkeypatch.setenv("STORYGEN_BASE_URL", env)
    assert build(sample_site, *option) == 1
    err = capsys.readouterr().err
    assert f"  {blamed} must be an absolute http(s) URL" in err
    assert hint in err and "site.toml:" not in err and "[site]" not in err
    assert not (sample_site / "_site").exists()


MISSING_IMAGE = """\
    ---
    title: Bridge reopens
    date: 2025-02-01
    image: /images/bridge%20open.jpg
    image_alt: The bridge with traffic
    ---
    The bridge is open again.
    """


def test_an_image_missing_from_static_stops_the_build(sample_site: Path, capsys) -> None:
    assert build(sample_site) == 0
    before = tree_digest(sample_site / "_site")
    story = sample_site / "content/stories/bridge.md"
    story.write_text(textwrap.dedent(MISSING_IMAGE), encoding="utf-8")
    capsys.readouterr()
    assert build(sample_site) == 1
    err = capsys.readouterr().err
    assert ("content/stories/bridge.md:4: the image /images/bridge%20open.jpg is not in static/"
            in err)
    assert "(put the file at static/images/bridge open.jpg, or fix the path)" in err
    assert "Traceback" not in err
    assert tree_digest(sample_site / "_site") == before
    assert run_cli("crosspost", "--root", str(sample_site), "--dry-run") == 1
    (sample_site / "static/images/bridge open.jpg").write_bytes(b"(a picture)")
    assert build(sample_site) == 0


@pytest.mark.parametrize("image,builds", [
    ("https://cdn.example.gov/bridge.jpg", True),
    ("images/storm-closure.png", True),
    ("/images/storm-closure.png?v=2", True),
    ("../site.toml", False),
    ("/css/.hidden.png", False),
])
def test_which_images_are_published(sample_site: Path, capsys, image: str, builds: bool) -> None:
    if image.startswith("/css/"):
        (sample_site / "static/css").mkdir()
        (sample_site / "static/css/.hidden.png").write_bytes(b"(a picture)")
    text = textwrap.dedent(MISSING_IMAGE).replace("/images/bridge%20open.jpg", image)
    (sample_site / "content/stories/bridge.md").write_text(text, encoding="utf-8")
    assert build(sample_site) == (0 if builds else 1)
    assert ("content/stories/bridge.md:4: the image" in capsys.readouterr().err) != builds


def test_an_unpublished_draft_may_lack_its_image(sample_site: Path, capsys) -> None:
    text = textwrap.dedent(MISSING_IMAGE).replace("---\nThe", "draft: true\n---\nThe")
    (sample_site / "content/stories/bridge.md").write_text(text, encoding="utf-8")
    assert build(sample_site) == 0
    assert build(sample_site, "--drafts") == 1
    assert "content/stories/bridge.md:4: the image" in capsys.readouterr().err


def test_json_feed_has_required_fields(make_site) -> None:
    site = make_site({
        "content/stories/a.md": entry("Alpha", "2025-01-01", tags="[roads]",
                                      image="/images/a.png", image_alt="A road"),
        "static/images/a.png": "(a picture)",
        "content/stories/b.md": entry("Beta & <b>", "2025-01-02", type="update"),
    })
    assert build(site) == 0
    out = site / "_site"
    feed = json.loads((out / "feed.json").read_text(encoding="utf-8"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] == "Test News"
    assert feed["feed_url"] == "https://news.example.gov/feed.json"
    assert [item["title"] for item in feed["items"]] == ["Beta & <b>", "Alpha"]
    for item in feed["items"]:
        assert item["id"] == item["url"] and item["url"].startswith("https://news.example.gov/")
        assert item["content_html"] and item["date_published"].startswith("2025-01-0")
    assert feed["items"][1]["image"] == "https://news.example.gov/images/a.png"
    roads = json.loads((out / "tags/roads/feed.json").read_text(encoding="utf-8"))
    assert [item["title"] for item in roads["items"]] == ["Alpha"]


def test_aliases_make_redirect_pages_and_redirects_file(make_site) -> None:
    site = make_site({"content/stories/new-name.md": entry(
        "Renamed", aliases="[/stories/old-name/, news/2019/old]")})
    assert build(site) == 0
    out = site / "_site"
    page = (out / "stories/old-name/index.html").read_text()
    assert '<link rel="canonical" href="https://news.example.gov/stories/new-name/">' in page
    assert 'content="0; url=https://news.example.gov/stories/new-name/"' in page
    assert (out / "news/2019/old/index.html").is_file()
    assert (out / "_redirects").read_text().splitlines() == [
        "/news/2019/old/ /stories/new-name/ 301",
        "/stories/old-name/ /stories/new-name/ 301",
    ]
    assert "old-name" not in (out / "sitemap.xml").read_text()


@pytest.mark.parametrize("aliases,message", [
    ("[/stories/other/]", "alias /stories/other/ is already a page of this site"),
    ("[/x/../../etc/]", "alias '/x/../../etc/' is not a site path"),
    ("[/a/, /a]", "alias /a/ is already an alias of content/stories/one.md"),
    ('["/old name/"]', "alias '/old name/' is not a site path"),
    ('["/x /* /evil 200!"]', "alias '/x /* /evil 200!' is not a site path"),
    ("[/feed.xml/]", "alias /feed.xml/ would replace the file /feed.xml"),
    ("[/css/site.css/old/]", "alias /css/site.css/old/ would replace the file /css/site.css"),
])
def test_bad_aliases_are_reported(make_site, capsys, aliases: str, message: str) -> None:
    site = make_site({"content/stories/one.md": entry("One", aliases=aliases),
                      "content/stories/other.md": entry("Other")})
    assert build(site) == 1
    err = capsys.readouterr().err
    assert "content/stories/one.md:4: " + message in err


def test_renamed_slug_without_alias_warns(make_site, capsys) -> None:
    site = make_site({"content/stories/one.md": entry("One", slug="first-name")})
    assert build(site) == 0
    path = site / "content/stories/one.md"
    path.write_text(path.read_text().replace("first-name", "second-name"))
    capsys.readouterr()
    assert build(site) == 0
    out = capsys.readouterr().out
    assert ("warning: content/stories/one.md:4: the web address moved from /stories/first-name/ "
            "to /stories/second-name/") in out
    assert "add aliases: [/stories/first-name/]" in out
    renamed = path.read_text().replace("second-name", "third-name")
    path.write_text(renamed.replace("slug:", "aliases: [/stories/second-name/]\nslug:"))
    assert build(site) == 0
    assert "warning" not in capsys.readouterr().out
    assert (site / "_site/stories/second-name/index.html").is_file()

def test_a_renamed_file_without_alias_warns_once(make_site, capsys) -> None:
    """Found by a new-user trial: renaming a story's file moved its address silently."""
    site = make_site({"content/stories/one.md": entry("One"),
                      "content/stories/two.md": entry("Two")})
    assert build(site) == 0
    (site / "content/stories/one.md").rename(site / "content/stories/first.md")
    capsys.readouterr()
    assert build(site) == 0
    out = capsys.readouterr().out
    assert ("warning: content/stories/one.md: /stories/one/ is no longer published") in out
    assert "add aliases: [/stories/one/] to that file" in out
    assert build(site) == 0
    assert "warning" not in capsys.readouterr().out
    (site / "content/stories/two.md").rename(site / "content/stories/second.md")
    path = site / "content/stories/second.md"
    path.write_text(path.read_text().replace("---\n", "---\naliases: [/stories/two/]\n", 1))
    assert build(site) == 0
    assert "warning" not in capsys.readouterr().out


AGENCY_TOML = """\
[site]
title = "Test News"
base_url = "https://news.example.gov/"

[analytics]
dap_agency = "GSA"
dap_subagency = "TTS & Co"

[feedback]
url = "https://forms.example.gov/helpful"
style = "{style}"
"""


@pytest.mark.parametrize("style", ["link", "form"])
def test_agency_essentials_when_switched_on(make_site, style: str) -> None:
    site = make_site({"content/stories/one.md": entry("One")}, toml=AGENCY_TOML.format(style=style))
    assert build(site) == 0
    page = (site / "_site/stories/one/index.html").read_text()
    assert ('src="https://dap.digitalgov.gov/Universal-Federated-Analytics-Min.js?agency=GSA'
            '&amp;subagency=TTS+%26+Co"') in page
    assert "Was this page helpful?" in page
    if style == "form":
        assert '<form action="https://forms.example.gov/helpful" method="post">' in page
        assert 'value="https://news.example.gov/stories/one/"' in page
    else:
        assert ('href="https://forms.example.gov/helpful?page=https%3A%2F%2Fnews.example.gov'
                '%2Fstories%2Fone%2F"') in page


def test_agency_essentials_off_by_default(make_site) -> None:
    site = make_site({"content/stories/one.md": entry("One")})
    assert build(site) == 0
    page = (site / "_site/stories/one/index.html").read_text()
    assert "dap.digitalgov.gov" not in page and "Was this page helpful?" not in page


def test_problems_in_renamed_fields_keep_their_line(make_site, capsys) -> None:
    toml = ('[site]\ntitle = "T"\nbase_url = "https://t.example.gov/"\n\n'
            '[fields]\naliases = ["redirect_from"]\n')
    site = make_site({"content/stories/one.md": entry("One", redirect_from="[/feed.xml/]")},
                     toml=toml)
    assert build(site) == 1
    assert "content/stories/one.md:4: alias /feed.xml/ would replace" in capsys.readouterr().err


def test_static_file_clashing_with_a_generated_one_is_refused(sample_site: Path, capsys) -> None:
    assert build(sample_site) == 0
    before = tree_digest(sample_site / "_site")
    (sample_site / "static/robots.txt").write_text("User-agent: *\nDisallow: /\n")
    capsys.readouterr()
    assert build(sample_site) == 1
    err = capsys.readouterr().err
    assert "static/robots.txt: has the same path as a file storygen makes" in err
    assert tree_digest(sample_site / "_site") == before


def test_static_link_out_of_the_site_is_refused(sample_site: Path, tmp_path: Path,
                                                capsys) -> None:
    secret = tmp_path / "credentials"
    secret.write_text("aws_secret_access_key = x")
    (sample_site / "static/notes.txt").symlink_to(secret)
    assert build(sample_site) == 1
    assert "static/notes.txt: is a link to a file outside static/" in capsys.readouterr().err
    assert not (sample_site / "_site/notes.txt").exists()


@pytest.mark.parametrize("paths", [
    ["stories", "stories/good-news/index.html"],  # a file where a folder goes
    ["a/b/c", "a/b/c/d/e", "x/y"],
    ["", "/a"],  # the folder "" that a path with a leading slash needs
])
def test_a_file_where_a_folder_goes_is_refused_at_any_depth(paths: list[str]) -> None:
    """The collision check's first pass (over each path's parents) must find every file that
    another path needs as a folder, as the pass naming them does."""
    from storygen.problems import StorygenError
    from storygen.render.paths import Claim, refuse_collisions

    with pytest.raises(StorygenError, match="a folder"):
        refuse_collisions(Claim(path, f"the file {path}", "static/x") for path in paths)
    refuse_collisions(Claim(path, f"the file {path}", "static/x") for path in paths[1:])
