"""The corpus of bad and messy input: each case, what the writer must see, and the exit status.

Exit status of `storygen build` (documented in README): 0 built (warnings may be printed),
1 refused because of problems in the input (nothing written, previous output untouched).

A case's `files` are written into a site that already has a good build in `_site/`; `where` is
the `path:line` the message must start with (default: the first file, at `line`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

STORY = "content/stories/case.md"
TWO_MB = 2_000_000


@dataclass(frozen=True)
class Link:
    """A symbolic link to `target` (which may not exist)."""

    target: str


@dataclass(frozen=True)
class HardLink:
    """A second name of the file at `target` (absolute)."""

    target: str


@dataclass(frozen=True)
class Folder:
    """An empty folder."""


@dataclass(frozen=True)
class Fifo:
    """A named pipe: reading one blocks until something writes to it."""


@dataclass(frozen=True)
class Device:
    """A character device node, /dev/zero's (reading one never ends); needs root to make."""


Planted = str | bytes | Link | HardLink | Folder | Fifo | Device


def plant(root: Path, files: dict[str, Planted]) -> None:
    """Put each of `files` (relative to `root`) in place, replacing whatever had its name."""
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif os.path.lexists(path):
            path.unlink()
        if isinstance(content, Link):
            path.symlink_to(content.target)
        elif isinstance(content, HardLink):
            os.link(content.target, path)
        elif isinstance(content, Folder):
            path.mkdir()
        elif isinstance(content, Fifo):
            os.mkfifo(path)
        elif isinstance(content, Device):
            _make_device(path)
        else:
            path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))


def _make_device(path: Path) -> None:
    import pytest

    try:
        os.mknod(path, stat.S_IFCHR | 0o644, os.makedev(1, 5))
    except PermissionError:
        pytest.skip("making a device node needs root")


def fake_home(folder: Path) -> Path:
    """A folder beside the site standing for someone's home: files, a subfolder and names
    that look like storygen's own (a store's two-letter folder and hashes, a database), so
    anything that strays out of the site and its cache finds something to damage."""
    fake = "ab" * 32
    plant(folder, {"notes.txt": "my notes\n", "photos/cat.jpg": b"\xff\xd8 cat",
                   f"ab/{fake}": "looks stored\n", "empty.db": b"", "index.html": "mine\n",
                   "storygen.sqlite3": b"", "secret": "x" * 32})
    return folder


def snapshot(folder: Path) -> dict[str, tuple[object, ...]]:
    """Everything about `folder` a stray write, delete, chmod or touch would change (not the
    count of a file's names: storygen unlinking its own name of one is fine)."""
    found: dict[str, tuple[object, ...]] = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        data = path.read_bytes() if path.is_file() and not path.is_symlink() else b""
        found[str(path.relative_to(folder))] = (
            info.st_mode, info.st_mtime_ns, hashlib.sha256(data).hexdigest(),
            os.readlink(path) if path.is_symlink() else "")
    return found


@dataclass(frozen=True)
class Case:
    name: str
    files: dict[str, Planted]
    status: int
    message: str = ""  # must appear on the line that names the place (error or warning)
    line: int | None = 1
    where: str = ""  # default: f"{first file}:{line}"
    toml: str = ""  # appended to the test site's site.toml
    check: Callable[[Path], None] | None = None  # checks on the new output when it builds
    quiet: bool = False  # a successful build must print no warning

    @property
    def place(self) -> str:
        if self.where:
            return self.where
        first = next(iter(self.files))
        return first if self.line is None else f"{first}:{self.line}"


def story(front: str, body: str = "Some text.\n") -> str:
    return f"---\n{front}\n---\n{body}"


def ok(extra: str = "", *, title: str = "Case", body: str = "Some text.\n") -> str:
    """A valid story with `extra` front-matter lines (line 4 on)."""
    return story(f"title: {title}\ndate: 2025-03-14" + (f"\n{extra}" if extra else ""), body)


def page(out: Path, path: str) -> str:
    return (out / path).read_text(encoding="utf-8")


def schema(out: Path, path: str = "stories/case/index.html") -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', page(out, path), re.S)
    assert match is not None
    return json.loads(match.group(1))


def has(path: str, *needles: str, absent: tuple[str, ...] = ()) -> Callable[[Path], None]:
    def check(out: Path) -> None:
        text = page(out, path)
        for needle in needles:
            assert needle in text, needle
        for needle in absent:
            assert needle not in text, needle
    return check


def published(out: Path, date: str) -> None:
    assert schema(out)["datePublished"] == date


CASE_PAGE = "stories/case/index.html"


def _cases() -> list[Case]:
    return [
        # --- the front matter's frame -------------------------------------------------------
        Case("empty_file", {STORY: ""}, 1, "the file is empty"),
        Case("whitespace_only", {STORY: "  \n\n\t \r\n"}, 1, "the file is empty"),
        Case("no_front_matter", {STORY: "# Storm update\n\nOffices closed.\n"}, 1,
             "the file does not start with front matter"),
        Case("front_matter_not_closed", {STORY: "---\ntitle: Open\ndate: 2025-03-14\n\nText\n"},
             1, "the front matter opened on line 1 is never closed"),
        Case("blank_line_before_front_matter", {STORY: "\n" + ok()}, 0,
             "there are blank lines above the opening ---"),
        Case("text_before_front_matter", {STORY: "Draft\n" + ok()}, 1,
             "the front matter does not start on the first line"),
        Case("toml_front_matter", {STORY: '+++\ntitle = "Hugo"\ndate = 2025-03-14\n+++\nText\n'},
             1, "the front matter is TOML"),
        Case("json_front_matter", {STORY: '{"title": "x", "date": "2025-03-14"}\nText\n'}, 1,
             "the front matter is JSON"),
        Case("only_front_matter", {STORY: "---\ntitle: Closed today\ndate: 2025-03-14\n---"}, 0,
             "there is no text after the front matter", line=4),
        Case("empty_front_matter", {STORY: "---\n---\nText\n"}, 1, "'title' is missing"),
        Case("front_matter_is_a_list", {STORY: "---\n- title\n- date\n---\nText\n"}, 1,
             "the front matter must be `key: value` lines, not a list", line=2),
        Case("front_matter_is_text", {STORY: "---\njust a sentence\n---\nText\n"}, 1,
             "not the value 'just a sentence'", line=2),
        # --- YAML ------------------------------------------------------------------------------
        Case("invalid_yaml_colon", {STORY: story("title: Storm update: offices closed\n"
                                                 "date: 2025-03-14")}, 1,
             "a value contains ': ' but is not in quotes", line=2),
        Case("invalid_yaml_unclosed_quote", {STORY: story('title: "Storm update\n'
                                                          "date: 2025-03-14")}, 1,
             "the quote opened on line 2 is never closed", line=2),
        Case("invalid_yaml_unclosed_bracket", {STORY: ok("tags: [permits, fees")}, 1,
             "the bracket opened on line 4 is never closed", line=4),
        Case("invalid_yaml_key_indented", {STORY: story('title: "Case"\n  date: 2025-03-14')},
             1, "this line is indented more than the one before it", line=3),
        Case("tab_indentation", {STORY: ok("tags:\n\t- permits")}, 1,
             "a tab character is not allowed in front matter", line=5),
        Case("trailing_tab_is_fine", {STORY: ok("tags:\n- permits\t\t")}, 0, quiet=True),
        Case("duplicate_key", {STORY: ok("title: Again")}, 1,
             "the key 'title' appears twice (lines 2 and 4)", line=4),
        Case("key_is_a_number", {STORY: ok("2024: budget")}, 1,
             "a front-matter key must be a name, not the value '2024'", line=4),
        Case("key_is_a_list", {STORY: ok("? [a, b]\n: c")}, 1,
             "a front-matter key must be a name, not a list", line=4),
        Case("yaml_python_tag", {STORY: ok('extra: !!python/object/apply:os.system ["true"]')},
             1, "the front matter is not valid YAML", line=4),
        Case("yaml_nested_too_deep", {STORY: ok("x: " + "[" * 3000 + "]" * 3000)}, 1,
             "the front matter is nested too deeply"),
        Case("yaml_alias_bomb", {STORY: ok("a: &a [x, x, x, x, x, x, x, x, x]\n" + "\n".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]"
            for i in range(8)))}, 0, quiet=True),
        # --- bytes and characters --------------------------------------------------------------
        Case("byte_order_mark", {STORY: "\ufeff" + ok()}, 0, quiet=True,
             check=has(CASE_PAGE, "<h1", ">Case</h1>")),
        Case("crlf_line_ends", {STORY: ok("tags: [a]", body="One\r\n\r\nTwo\r\n").replace(
            "\n", "\r\n").replace("\r\r", "\r")}, 0, quiet=True,
             check=has(CASE_PAGE, "<p>One</p>", "<p>Two</p>")),
        Case("cr_line_ends", {STORY: ok().replace("\n", "\r")}, 0, quiet=True),
        Case("latin1_byte", {STORY: ok(body="Line one.\nCaf\xe9 opens.\n").encode("latin-1")},
             1, "byte 0xe9 on line 6 is not UTF-8", where=f"{STORY}:6:4"),
        Case("utf16_file", {STORY: ok().encode("utf-16")}, 1, "the file is not UTF-8 text"),
        Case("nul_byte", {STORY: ok(body="Text\x00more\n")}, 1, "NUL character on line 5",
             line=5),
        Case("control_characters", {STORY: ok(body="Text\x0c with a form feed\x1b.\n")}, 0,
             "invisible control characters (U+000C, U+001B) were removed", line=5,
             check=has(CASE_PAGE, "Text with a form feed.")),
        Case("zero_width_space_in_title", {STORY: ok(title="Storm\u200b update")}, 0,
             "'title': invisible characters (U+200B ZERO WIDTH SPACE) were removed", line=2,
             check=has(CASE_PAGE, ">Storm update</h1>")),
        Case("bidi_override_in_title", {STORY: ok(title="Fees \u202edue\u202c now")}, 0,
             "U+202E RIGHT-TO-LEFT OVERRIDE", line=2, check=has(CASE_PAGE, ">Fees due now</h1>")),
        Case("line_separator_in_text", {STORY: ok(
            'summary: "One\u2028two"', title='"Para\u2029graph"', body="Body\u2028text.\n")},
             0, quiet=True, check=lambda out: _line_separators(out)),
        Case("list_nested_too_deep", {STORY: ok(body="".join(
            "  " * i + "- x\n" for i in range(1000)))}, 1,
             "a line is indented 202 columns deep: too deep for the Markdown renderer", line=106),
        Case("brackets_nested_too_deep", {STORY: ok(body="Intro.\n\n" + "[" * 5000 + "x")}, 1,
             "brackets are nested more than 100 deep", line=7),
        Case("huge_file", {STORY: ok(body="word " * (TWO_MB // 5 + 10))}, 1,
             "the file is too large"),
        # --- dates -----------------------------------------------------------------------------
        Case("date_as_prose", {STORY: story("title: x\ndate: last Tuesday")}, 1,
             "'date': 'last Tuesday' is not a date storygen understands", line=3),
        Case("date_ambiguous", {STORY: story("title: x\ndate: 03/04/2025")}, 1,
             "is ambiguous", line=3),
        Case("date_impossible", {STORY: story("title: x\ndate: 2025-02-30")}, 1,
             "'2025-02-30' is not a real date", line=3),
        Case("date_impossible_offset", {STORY: story("title: x\ndate: 2025-03-14T09:00:00+15:00")},
             1, "impossible UTC offset", line=3),
        Case("date_year_typo", {STORY: story("title: x\ndate: 0202-03-14")}, 1,
             "the year 202 is outside", line=3),
        Case("date_is_a_number", {STORY: story("title: x\ndate: 20250314")}, 1,
             "expected a date, got the number 20250314", line=3),
        Case("date_missing", {STORY: story("title: x")}, 1, "'date' is missing"),
        Case("date_month_name", {STORY: story("title: x\ndate: March 14, 2025 2:30 PM")}, 0,
             quiet=True, check=lambda out: published(out, "2025-03-14T14:30:00-04:00")),
        Case("date_one_digit_offset", {STORY: story("title: x\ndate: 2015-03-17 14:00:00 -4")},
             0, quiet=True, check=lambda out: published(out, "2015-03-17T14:00:00-04:00")),
        Case("date_us_zone_name", {STORY: story("title: x\ndate: 2025-01-06 09:00 EST")}, 0,
             quiet=True, check=lambda out: published(out, "2025-01-06T09:00:00-05:00")),
        Case("date_from_file_name", {"content/stories/2024-12-5-year-end.md": story(
            "title: x")}, 0, quiet=True, toml="[fields]\ndate_from_filename = true\n",
             check=has("stories/year-end/index.html", 'datetime="2024-12-05')),
        Case("expires_before_date", {STORY: ok("type: update\nexpires: 2025-03-01")}, 1,
             "the update expires before it is published", line=5),
        # --- wrong kinds of values -------------------------------------------------------------
        Case("title_missing_misspelt", {STORY: story("titel: Storm\ndate: 2025-03-14")}, 1,
             "'title' is missing (line 2 says 'titel': did you mean 'title'?)"),
        Case("title_misspelt_tittle", {STORY: story("date: 2025-03-14\ntittle: Storm")}, 1,
             "'title' is missing (line 3 says 'tittle': did you mean 'title'?)"),
        Case("summary_misspelt", {STORY: ok("sumary: Short")}, 0,
             "'sumary' is not a storygen field, so it is not used (did you mean 'summary'?",
             line=4),
        Case("image_alt_misspelt", {STORY: ok("image: https://cdn.example.gov/a.png\n"
                                              "image_atl: A road")}, 1,
             "the image has no alt text (line 5 says 'image_atl': did you mean 'image_alt'?)",
             line=4),
        Case("page_summary_misspelt", {"content/pages/help.md": story("title: Help\nsumary: x")},
             0, "'sumary' is not a storygen field, so it is not used (did you mean 'summary'?",
             line=3),
        Case("title_empty", {STORY: story("title:\ndate: 2025-03-14")}, 1, "'title' is empty",
             line=2),
        Case("title_blank", {STORY: story('title: "  "\ndate: 2025-03-14')}, 1,
             "'title' is empty", line=2),
        Case("title_is_a_number", {STORY: story("title: 1984\ndate: 2025-03-14")}, 1,
             "'title' must be text, got the number 1984 (put it in quotes", line=2),
        Case("title_is_a_list", {STORY: story("title: [Storm, update]\ndate: 2025-03-14")}, 1,
             "'title' must be text, got a list", line=2),
        Case("title_only_invisible", {STORY: story('title: "\u200b"\ndate: 2025-03-14')}, 1,
             "'title' has no visible text", line=2),
        Case("slug_is_a_number", {STORY: ok("slug: 124062")}, 0, quiet=True,
             check=lambda out: page(out, "stories/124062/index.html")),
        Case("slug_is_a_fraction", {STORY: ok("slug: 1.5")}, 1,
             "'slug' must be text, got the number 1.5", line=4),
        Case("slug_with_dots", {STORY: ok("slug: ../../etc/passwd")}, 1,
             "slug '../../etc/passwd' may only use lower-case a-z, 0-9 and hyphens (try slug: "
             "etc-passwd)", line=4),
        Case("slug_with_slash", {STORY: ok("slug: news/storm")}, 1, "(try slug: news-storm)",
             line=4),
        Case("slug_with_spaces", {STORY: ok("slug: storm update")}, 1,
             "(try slug: storm-update)", line=4),
        Case("slug_non_ascii", {STORY: ok("slug: café-ouvert")}, 1, "(try slug: cafe-ouvert)",
             line=4),
        Case("slug_invisible", {STORY: ok('slug: "storm\u200bupdate"')}, 1,
             "slug 'storm<U+200B>update' may only use", line=4),
        Case("tags_is_a_number", {STORY: ok("tags: 5")}, 1,
             "'tags' must be a list of words, got the number 5", line=4),
        Case("tags_nested_list", {STORY: ok("tags: [[permits], fees]")}, 1,
             "'tags' must be a list of words, got a list holding a list", line=4),
        Case("tags_as_text", {STORY: ok("tags: permits, fees")}, 0, quiet=True,
             check=has("tags/fees/index.html", "Case")),
        Case("tag_without_latin_letters", {STORY: ok("tags: [許可]")}, 0,
             "the tag '許可' has no letters a-z or digits", line=4),
        Case("draft_as_text", {STORY: ok('draft: "yes"')}, 1,
             "'draft' must be true or false, got the text 'yes'", line=4),
        Case("type_unknown", {STORY: ok("type: news")}, 1, "type 'news' is unknown", line=4),
        Case("type_capitalised", {STORY: ok("type: Update")}, 0, quiet=True,
             check=has("updates/case/index.html", "Case")),
        Case("urgent_story", {STORY: ok("urgent: true")}, 1,
             "only service updates can be urgent", line=4),
        Case("image_without_alt", {STORY: ok("image: /images/storm.png")}, 1,
             "the image has no alt text", line=4),
        Case("image_javascript", {STORY: ok("image: javascript:alert(1)\nimage_alt: x")}, 1,
             "the image 'javascript:alert(1)' is not a usable address", line=4),
        Case("social_image_javascript", {STORY: ok('social: {image: "javascript:alert(1)"}')},
             1, "social.image 'javascript:alert(1)' is not a usable address", line=4),
        Case("social_platform_image_data", {STORY: ok(
            'social:\n  mastodon: {image: "data:image/png;base64,AAAA"}')}, 1,
             "social.mastodon.image 'data:image/png;base64,AAAA' is not a usable address",
             line=4),
        Case("contact_without_target", {STORY: ok("contact: {label: Apply online}")}, 1,
             "'contact' needs exactly one of url, email or phone", line=4),
        Case("contact_javascript_url", {STORY: ok(
            'contact: {label: Apply, url: "javascript:alert(1)"}')}, 1,
             "the contact url 'javascript:alert(1)' is not a usable link", line=4),
        Case("several_problems_in_one_file", {STORY: story(
            "type: news\ndate: 2025-02-30\ntags: 5")}, 1, "type 'news' is unknown", line=2),
        Case("several_problems_second", {STORY: story("type: news\ndate: 2025-02-30\ntags: 5")},
             1, "'2025-02-30' is not a real date", line=3),
        # --- names, addresses and files --------------------------------------------------------
        # One clash is told once, naming every file: any of them may be the one to move.
        Case("two_entries_one_address", {"content/stories/a.md": ok("slug: same"),
                                         "content/stories/b.md": ok("slug: same")}, 1,
             "the web address /stories/same/ is used by 2 files: content/stories/a.md, "
             "content/stories/b.md (give each a slug of its own", line=4),
        Case("new_entry_takes_an_old_address", {"content/stories/aa.md": ok("slug: good-news")},
             1, "the web address /stories/good-news/ is used by 2 files: content/stories/aa.md, "
             "content/stories/good-news.md", line=4),
        Case("file_name_curly_quotes", {"content/stories/“Quoted” story.md": ok()}, 0,
             quiet=True, check=has("stories/quoted-story/index.html", "Case")),
        Case("file_name_no_letters", {"content/stories/“”.md": ok()}, 1,
             "cannot make a web address from the file name '“”.md'"),
        Case("broken_link", {"content/stories/gone.md": Link("nowhere.md")}, 1,
             "cannot read the file", line=None),
        Case("slug_300_characters", {STORY: ok("slug: " + "a" * 300)}, 1,
             "has a part longer than 255 bytes, too long for a file name", line=4),
        Case("alias_segment_300_characters", {STORY: ok("aliases: [/" + "b" * 300 + "/]")}, 1,
             "has a part longer than 255 bytes, too long for a file name", line=4),
        Case("alias_thousands_deep", {STORY: ok("aliases: [" + "/d" * 3000 + "/]")}, 1,
             "is 3001 folders deep (at most 32)", line=4),
        Case("lone_surrogate_in_yaml", {STORY: ok('summary: "\\ud800 x"')}, 1,
             "'summary' holds half a character", line=4),
        Case("file_name_not_utf8", {os.fsdecode(b"content/stories/caf\xe9.md"): ok()}, 1,
             "the file name is not UTF-8 text", where="'content/stories/caf\\udce9.md'"),
        Case("md_is_a_pipe", {STORY: Fifo()}, 1, "is not a file but a pipe", line=None),
        Case("md_links_to_a_device", {STORY: Link("/dev/zero")}, 1,
             "is a link to a file outside the site", line=None),
        Case("md_links_outside_the_site", {STORY: Link("/etc/hostname")}, 1,
             "is a link to a file outside the site", line=None),
        Case("md_links_to_itself", {STORY: Link("case.md")}, 1,
             "cannot read the file: Too many levels of symbolic links", line=None),
        Case("md_links_in_a_loop", {"content/stories/a.md": Link("b.md"),
                                    "content/stories/b.md": Link("a.md")}, 1,
             "cannot read the file: Too many levels of symbolic links", line=None),
        Case("md_is_a_device", {STORY: Device()}, 1, "is not a file but a pipe, device",
             line=None),
        Case("md_links_to_a_pipe_in_the_site", {"content/pipe": Fifo(), STORY: Link(
            "../pipe")}, 1, "is not a file but a pipe, device", where=STORY),
        Case("md_links_inside_the_site_is_fine", {"content/stories/linked.md": Link(
            "../shared.md"), "content/shared.md": ok(title="Shared")}, 0, quiet=True,
             check=has("stories/linked/index.html", "Shared")),
        Case("page_slug_reserved", {"content/pages/tags.md": ok()}, 1,
             "the page address /tags/ is used by storygen itself"),
        *COLLISIONS,
        # --- leftovers from other generators and raw HTML --------------------------------------
        Case("liquid_image_tag", {STORY: ok(body='Intro.\n\n{% image "a.png" "A chart" %}\n')}, 0,
             'Liquid tag from another generator is shown as text: {% image "a.png" "A chart" %}',
             line=7),
        Case("liquid_url_filter", {STORY: ok(body='See [it]({{ "/2015/x/" | url }}).\n')}, 0,
             "Liquid output from another generator", line=5),
        Case("hugo_shortcode", {STORY: ok(body="Watch:\n{{< youtube abc >}}\n")}, 0,
             "Hugo shortcode from another generator is shown as text: {{< youtube abc >}}",
             line=6),
        Case("template_code_in_code_block_is_fine", {STORY: ok(
            body="Use `{{ x }}`:\n\n```\n{% if a %}\n```\n")}, 0, quiet=True),
        Case("raw_html_allowed", {STORY: ok(body=RAW_HTML)}, 0, quiet=True,
             check=has(CASE_PAGE, "<script>alert(1)</script>", "<iframe", 'onerror="x()"')),
        Case("raw_html_sanitized", {STORY: ok(body=RAW_HTML)}, 0, quiet=True,
             toml='[site]\nraw_html = "sanitize"\n',
             check=has(CASE_PAGE, "<strong>bold</strong>", '<img src="/a.png" alt="A">',
                       absent=("alert(1)", "<iframe", "onerror"))),
        # --- site.toml -------------------------------------------------------------------------
        *UNSAFE_SETTINGS,
        Case("fields_unknown_field", {STORY: ok()}, 1, "[fields] sumary is not a storygen field",
             toml='[fields]\nsumary = ["excerpt"]\n', where="site.toml"),
        Case("fields_categories_as_tags", {STORY: ok("categories: [Permits, fees]")}, 0,
             quiet=True, toml='[fields]\ntags = ["categories", "topics"]\n',
             check=has("tags/permits/index.html", "Case")),
        Case("fields_ignore_clashing_key", {STORY: ok("type: post\nlayout: post")}, 0,
             quiet=True, toml='[fields]\nignore = ["type"]\n',
             check=has(CASE_PAGE, "Case")),
        Case("fields_description_when_no_excerpt", {STORY: ok('description: "Short &amp; sweet"')},
             0, quiet=True, toml='[fields]\nsummary = ["excerpt", "description"]\n',
             check=lambda out: _summary(out, "Short & sweet")),
        Case("fields_mapping_excerpt", {STORY: story(
            'title: "Fees &amp; permits "\ndate: 2025-03-14\n'
            'excerpt: "<p>New fees&nbsp;<em>start</em> today.</p>"')}, 0, quiet=True,
             toml='[fields]\nsummary = ["excerpt", "description"]\n',
             check=lambda out: _mapped(out)),
    ]


# Two outputs with one path, or a file where an output needs a folder: from any source, each
# refused at its place (`build` and `check`), the old output untouched.
ALIASED = "content/stories/aliased.md"
COLLISIONS = [
    Case("alias_is_the_home_page_file", {ALIASED: ok("aliases: [/index.html]")}, 1,
         "needs /index.html to be a folder, but storygen's page / makes it a file", line=4),
    Case("alias_is_an_entry_file", {ALIASED: ok("aliases: [/stories/good-news/index.html]")}, 1,
         "needs /stories/good-news/index.html to be a folder, but the address "
         "/stories/good-news/ of content/stories/good-news.md makes it a file", line=4),
    Case("alias_is_another_entry", {ALIASED: ok("aliases: [/stories/good-news/]")}, 1,
         "alias /stories/good-news/ is already a page of this site", line=4),
    Case("alias_is_a_page", {ALIASED: ok("aliases: [/about/]")}, 1,
         "alias /about/ is already a page of this site", line=4),
    Case("alias_is_the_sitemap_file", {ALIASED: ok("aliases: [/sitemap.xml/old]")}, 1,
         "alias /sitemap.xml/old/ would replace the file /sitemap.xml", line=4),
    Case("static_file_stories", {"static/stories": "a file\n"}, 1,
         "makes /stories a file, where the address /stories/good-news/ of "
         "content/stories/good-news.md needs a folder", line=None),
    Case("static_file_tags", {"static/tags": "a file\n"}, 1,
         "makes /tags a file, where storygen's page /tags/ needs a folder", line=None),
    Case("static_folder_index_html", {"static/index.html/x.txt": "inside\n"}, 1,
         "needs /index.html to be a folder, but storygen's page / makes it a file", line=None),
    Case("static_folder_feed_xml", {"static/feed.xml/x.txt": "inside\n"}, 1,
         "needs /feed.xml to be a folder, but storygen's feed /feed.xml makes it a file",
         line=None),
    Case("static_file_is_an_entry_page", {"static/stories/good-news/index.html": "mine\n"}, 1,
         "has the same path as the address /stories/good-news/ of content/stories/good-news.md",
         line=None),
    Case("static_file_under_an_alias", {ALIASED: ok("aliases: [/old/]"),
                                        "static/old/index.html": "mine\n"}, 1,
         "has the same path as the alias /old/ of content/stories/aliased.md",
         where="static/old/index.html"),
    Case("alias_under_a_static_file", {ALIASED: ok("aliases: [/files/report.pdf/v1]"),
                                       "static/files/report.pdf": b"%PDF"}, 1,
         "alias /files/report.pdf/v1/ would replace the file /files/report.pdf", line=4),
    Case("page_slug_is_an_edition", {"content/pages/es.md": ok(), "content/stories/es.md":
                                     ok("lang: es")}, 1,
         "has the same path as storygen's page /es/", line=1),
    Case("page_slug_reserved_search", {"content/pages/search.md": ok()}, 1,
         "the page address /search/ is used by storygen itself"),
]


# Every address in site.toml is http(s) or a site path, refused at its line otherwise (the test
# site's site.toml has 4 lines; a case's lines follow).
def _unsafe_setting(name: str, toml: str, line: int, setting: str, address: str) -> Case:
    return Case(name, {STORY: ok()}, 1, f"{setting} '{address}' is not a usable address",
                toml=toml.format(address), where=f"site.toml:{line}")


UNSAFE_SETTINGS = [
    _unsafe_setting("settings_contact_url_javascript", '[site]\ncontact_url = "{}"\n', 5,
                    "[site] contact_url", "javascript:alert(1)"),
    _unsafe_setting("settings_footer_link_data", '[site]\nfooter_links = [{{ label = "A", url '
                    '= "/a/" }},\n  {{ label = "B", url = "{}" }}]\n', 6,
                    "[site] footer_links url", "data:text/html,<b>x</b>"),
    _unsafe_setting("settings_social_default_vbscript", '[images]\nsocial_default = "{}"\n', 6,
                    "[images] social_default", "vbscript:msgbox(1)"),
    _unsafe_setting("settings_gov_link_javascript", '[gov.links]\nfoia = "{}"\n', 6,
                    "[gov.links] foia", "JavaScript:alert(1)"),
    _unsafe_setting("settings_feedback_url_file", '[feedback]\nurl = "{}"\n', 6,
                    "[feedback] url", "file:///etc/passwd"),
    _unsafe_setting("settings_subscribe_url_javascript", '[email]\nsubscribe_url = "{}"\n', 6,
                    "[email] subscribe_url", "javascript:alert(1)"),
    *(Case(f"settings_cache_dir_{name}", {STORY: ok()}, 1, f"[site] cache_dir '{folder}' {why}",
           toml=f'[site]\ncache_dir = "{folder}"\n', where="site.toml")
      for name, folder, why in [
          ("outside", "../elsewhere", "is outside the site"),
          ("absolute", "/home/someone", "is outside the site"),
          ("the_site", ".", "is the site itself"),
          ("in_static", "static/cache", "is inside static/"),
          ("in_content", "./content/.cache", "is inside content/"),
          ("in_the_output", "_site/cache", "shares its place with the output folder")]),
    Case("template_links_outside_the_site", {STORY: ok(), "templates/robots.txt":
         Link("/etc/passwd")}, 1, "the template is a link to a file outside the site",
         line=None, where="templates/robots.txt"),
    Case("template_included_through_a_link_outside", {
        STORY: ok(), "templates/shared/robots.txt": Link("/etc/passwd"),
        "templates/robots.txt": '{% include "shared/robots.txt" %}\n'}, 1,
        "the template is a link to a file outside the site", where="templates/shared/robots.txt"),
    Case("settings_unknown_site_key", {STORY: ok()}, 1, "[site] has unknown keys: agnecy (did "
         "you mean 'agency' for 'agnecy'?)", toml='[site]\nagnecy = "x"\n', where="site.toml"),
    Case("settings_output_dir_nul", {STORY: ok()}, 1, "[site] output_dir 'a\\x00b' holds a "
         "control character", toml='[site]\noutput_dir = "a\\u0000b"\n', where="site.toml"),
    Case("settings_https_and_paths_are_fine", {STORY: ok()}, 0, quiet=True,
         toml='[site]\ncontact_url = "https://permits.example.gov/contact"\n'
              'footer_links = [{ label = "A", url = "/a/" }]\n',
         check=has(CASE_PAGE, 'href="https://permits.example.gov/contact"', 'href="/a/"')),
]


RAW_HTML = ("Some **bold** text.\n\n<script>alert(1)</script>\n\n"
            '<iframe src="https://example.com/"></iframe>\n\n<img src="/a.png" alt="A" '
            'onerror="x()">\n')


def _line_separators(out: Path) -> None:
    data = schema(out)
    assert data["headline"] == "Para graph" and data["description"] == "One two"
    import feedparser

    for feed in ("feed.xml", "atom.xml"):
        assert feedparser.parse((out / feed).read_bytes()).bozo == 0


def _summary(out: Path, expected: str) -> None:
    assert schema(out)["description"] == expected


def _mapped(out: Path) -> None:
    data = schema(out)
    assert data["headline"] == "Fees & permits"
    assert data["description"] == "New fees start today."


CASES = _cases()
