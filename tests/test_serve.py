"""`storygen serve` end to end, in-process: the real server on a free loopback port, real file
changes, observed over HTTP and on the event stream."""

from __future__ import annotations

import http.client
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import own_copy
from engine_tools import store_rows
from hostile_cases import Fifo, HardLink, Link, fake_home, plant, snapshot
from site_tools import tree_digest

from storygen.serve import Preview
from storygen.serve.preview import CATCH_UP
from storygen.serve.watch import Debouncer, relevant

PATIENCE = 60.0  # seconds; generous, since the machine is shared. Never a speed assertion.


class Response:
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def fetch(port: int, path: str, method: str = "GET",
          headers: dict[str, str] | None = None) -> Response:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=PATIENCE)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        return Response(response.status, {k.lower(): v for k, v in response.getheaders()},
                        response.read())
    finally:
        conn.close()


def raw_request(port: int, request_line: str) -> str:
    """Send a request line exactly as written (no client-side normalising) and return the reply."""
    with socket.create_connection(("127.0.0.1", port), timeout=PATIENCE) as sock:
        sock.sendall(f"{request_line}\r\nHost: 127.0.0.1\r\n\r\n".encode("latin-1"))
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", "replace")


def eventually(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting: {what}")
        time.sleep(0.05)


class EventStream:
    """A real client of /__storygen/events, read line by line from the socket."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=PATIENCE)
        self.conn.request("GET", "/__storygen/events")
        self.response = self.conn.getresponse()
        assert self.response.status == 200
        assert self.response.getheader("Content-Type") == "text/event-stream"

    def next(self) -> tuple[str, str]:
        name = data = ""
        deadline = time.monotonic() + PATIENCE  # keep-alive comments do not count
        while time.monotonic() < deadline:
            line = self.response.fp.readline()
            if not line:
                raise EOFError("the server closed the event stream")
            text = line.decode().rstrip("\n")
            if text.startswith("event: "):
                name = text[len("event: "):]
            elif text.startswith("data: "):
                data = text[len("data: "):]
            elif not text and name:
                return name, data
        raise AssertionError("no event")

    def wait_for(self, name: str) -> str:
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            got, data = self.next()
            if got == name:
                return data
        raise AssertionError(f"no {name} event")

    def close(self) -> None:
        self.conn.close()


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


STORY = """\
---
title: "{title}"
date: 2099-06-01  # newest, so on the first page of every listing
tags: [{tag}]
---

{body}
"""


@pytest.fixture
def site(sample_site: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)  # "now" is the clock, as for a writer
    write(sample_site / "content/stories/draft-one.md",
          '---\ntitle: "A draft"\ndate: 2026-01-02\ndraft: true\n---\n\nNot yet.\n')
    write(sample_site / "content/stories/far-future.md",
          '---\ntitle: "Later"\ndate: 2099-01-02\n---\n\nSoon.\n')
    return sample_site


@pytest.fixture
def served(site: Path) -> Iterator[Preview]:
    before = set(threading.enumerate())
    messages: list[str] = []
    preview = Preview(site, port=0, log=messages.append)
    preview.messages = messages  # type: ignore[attr-defined]
    preview.start()
    try:
        yield preview
    finally:
        preview.stop()
    cache = site / ".storygen-cache"
    kept = cache / "preview-output"  # the next preview's head start
    assert preview.folder == kept.resolve() and (kept / "site" / "index.html").is_file()
    saved = store_rows(cache, "state")  # one store, the preview's manifest a namespace of it
    assert "preview|manifest" in saved  # the next preview starts from it
    assert "build|manifest" not in saved  # storygen build's own is untouched
    assert set(threading.enumerate()) <= before, "threads left running"


@pytest.fixture
def events(served: Preview) -> Iterator[EventStream]:
    stream = EventStream(served.port)
    assert stream.next()[0] == "hello"  # subscribed: later changes reach this stream
    yield stream
    stream.close()


def test_serves_the_site_with_the_reload_script_only_at_serve_time(served: Preview) -> None:
    home = fetch(served.port, "/")
    assert home.status == 200
    assert home.headers["content-type"] == "text/html; charset=utf-8"
    assert home.headers["cache-control"] == "no-store"
    assert "/__storygen/events" in home.text
    assert home.text.index("/__storygen/events") < home.text.rindex("</body>")
    assert served.folder is not None
    written = served.folder / "site" / "index.html"
    assert "__storygen" not in written.read_text(encoding="utf-8")
    css = fetch(served.port, "/css/site.css")
    assert css.headers["content-type"] == "text/css; charset=utf-8"
    assert "__storygen" not in css.text
    assert f'href="http://127.0.0.1:{served.port}/"' in home.text  # absolute URLs point here


def test_drafts_and_scheduled_entries_are_marked(served: Preview) -> None:
    draft = fetch(served.port, "/stories/draft-one/")
    assert draft.status == 200 and "Draft:" in draft.text
    later = fetch(served.port, "/stories/far-future/")
    assert later.status == 200 and "Scheduled:" in later.text
    assert "Scheduled:" not in fetch(served.port, "/stories/permit-wait-times-cut/").text


def test_no_drafts_leaves_drafts_out(site: Path) -> None:
    preview = Preview(site, port=0, drafts=False, log=lambda _: None)
    preview.start()
    try:
        assert fetch(preview.port, "/stories/draft-one/").status == 404
        assert fetch(preview.port, "/stories/far-future/").status == 200
    finally:
        preview.stop()


@pytest.mark.parametrize("planted", ["preview-files", "preview-files/ab"])
def test_the_previews_file_store_planted_as_a_link_leads_nowhere(
        site: Path, tmp_path: Path, planted: str) -> None:
    """The preview's own file store (in the build's cache folder), or a folder of it, made a
    link to someone's files: the preview serves the site and never writes through it."""
    home = fake_home(tmp_path / "home")
    before = snapshot(home)
    plant(site, {f".storygen-cache/{planted}": Link(str(home))})
    for _ in range(2):  # the second preview starts from the store the first one kept
        preview = Preview(site, port=0, log=lambda _: None)
        preview.start()
        try:
            assert fetch(preview.port, "/stories/far-future/").status == 200
        finally:
            preview.stop()
    assert snapshot(home) == before


def _session(site: Path, port: int = 0) -> tuple[Preview, dict[str, tuple[int, int]]]:
    """A preview started on `site`, and each file it serves: (inode, ctime) by path."""
    preview = Preview(site, port=port, log=lambda _: None)
    preview.start()
    assert preview.folder is not None
    served = preview.folder / "site"
    return preview, {p.relative_to(served).as_posix(): (p.stat().st_ino, p.stat().st_ctime_ns)
                     for p in served.rglob("*") if p.is_file()}


def test_a_preview_started_again_finds_its_files_in_place(site: Path) -> None:
    """What one session served is where the next one (on the same port, as a writer's
    `storygen serve` is) starts: no page written, linked or touched again but one changed by
    hand meanwhile, which is made again. (The search index, made after the start, may be made
    again.)"""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    first, files = _session(site, port)
    first.stop()
    assert first.folder is not None
    page = first.folder / "site" / "stories" / "far-future" / "index.html"
    right = page.read_bytes()
    page.write_bytes(b"by hand")
    again, files_again = _session(site, port)
    try:
        assert again.folder == first.folder and page.read_bytes() == right
        assert "Soon." in fetch(port, "/stories/far-future/").text
        assert {path for path in files if files_again.get(path) != files[path]
                and not path.startswith("pagefind/")} == {"stories/far-future/index.html"}
    finally:
        again.stop()


def test_a_second_preview_of_one_site_serves_a_folder_of_its_own(site: Path) -> None:
    first, files = _session(site)
    try:
        second, _ = _session(site)
        try:
            assert second.folder != first.folder
            assert fetch(second.port, "/stories/far-future/").status == 200
        finally:
            second.stop()
        assert second.folder is not None and not second.folder.exists()  # temporary: gone
        assert fetch(first.port, "/stories/far-future/").status == 200
        assert first.folder is not None
        served = first.folder / "site"
        assert {p.relative_to(served).as_posix() for p in served.rglob("*")
                if p.is_file()} == set(files)
    finally:
        first.stop()


@pytest.mark.parametrize("planted", [
    "preview-output", "preview-output/site", "preview-output/site/stories",
    "preview-output/site/index.html"])
def test_the_kept_preview_output_planted_with_links_leads_nowhere(
        site: Path, tmp_path: Path, planted: str) -> None:
    """The preview's kept output (or a folder or file in it) made a link to someone's files,
    a pipe, or a second name of someone's file: the next preview serves the site, never
    someone's file, and writes nothing outside."""
    home = fake_home(tmp_path / "home")
    first, _ = _session(site)
    first.stop()
    for thing in (Link(str(home)), Link(str(home / "index.html")), Fifo(),
                  HardLink(str(home / "index.html"))):
        if isinstance(thing, HardLink) and not planted.endswith(".html"):
            continue
        before = snapshot(home)
        plant(site, {f".storygen-cache/{planted}": thing})
        preview, _ = _session(site)
        try:
            assert "mine" not in fetch(preview.port, "/").text
            assert fetch(preview.port, "/stories/far-future/").status == 200
        finally:
            preview.stop()
        assert snapshot(home) == before, thing


def test_saving_a_story_updates_its_page_and_signals_reload(
        served: Preview, events: EventStream, site: Path) -> None:
    story = site / "content/stories/online-business-license.md"
    story.write_text(story.read_text(encoding="utf-8").replace(
        "Small businesses", "Freshly edited businesses"), encoding="utf-8")
    events.wait_for("reload")
    page = fetch(served.port, "/stories/online-business-license/")
    assert "Freshly edited businesses" in page.text
    assert served.folder is not None  # updated in place: no second tree, no temporary files
    assert sorted(p.name for p in served.folder.iterdir()) == ["site"]
    assert [p.name for p in (served.folder / "site").rglob(".*")] == [".storygen-output"]


def test_the_search_index_is_made_after_the_saved_page_is_served(
        served: Preview, events: EventStream, site: Path) -> None:
    """A save is built with the search index as it was (the page does not wait for Pagefind),
    and the index is made once no save came for a moment."""
    messages: list[str] = served.messages  # type: ignore[attr-defined]
    assert served.folder is not None
    index = served.folder / "site" / "pagefind"
    before = tree_digest(index)
    story = site / "content/stories/online-business-license.md"
    story.write_text(story.read_text(encoding="utf-8").replace(
        "Small businesses", "Qwertyish businesses"), encoding="utf-8")
    events.wait_for("reload")
    eventually(lambda: any(m.startswith("Search index brought up to date") for m in messages),
               "the search index made after the save")
    rebuilt = next(i for i, m in enumerate(messages) if m.startswith("Rebuilt in"))
    assert messages[rebuilt + 1].startswith("Search index brought up to date")
    after = tree_digest(index)
    assert after != before
    assert set(after) >= {"en-us/0/pagefind.js", "en-us/0/pagefind-entry.json"}
    # Once the index is in place nothing is left to do: no catch-up build (Pagefind over the
    # whole site again, in the builder, which a save made meanwhile would wait for). A quiet
    # moment, then a save: its build comes right after the index, with nothing in between.
    time.sleep(3 * CATCH_UP)
    story.write_text(story.read_text(encoding="utf-8").replace(
        "Qwertyish businesses", "Twice-saved businesses"), encoding="utf-8")
    events.wait_for("reload")
    assert messages[rebuilt + 2].startswith("Rebuilt in"), messages[rebuilt:]


def test_a_save_read_by_the_index_catch_up_still_reloads(
        served: Preview, events: EventStream, site: Path) -> None:
    """A save made while the search index is being made again is read by that build, so the
    save's own build finds nothing to change: the catch-up must signal the reload itself."""
    assert served._watcher is not None
    served._watcher.stop()  # this test plays the builder: no save of its own reaches it
    story = site / "content/stories/online-business-license.md"
    story.write_text(story.read_text(encoding="utf-8").replace(
        "Small businesses", "Meanwhile-saved businesses"), encoding="utf-8")
    assert served._rebuild((), defer=False) is False
    events.wait_for("reload")
    assert "Meanwhile-saved" in fetch(served.port, "/stories/online-business-license/").text


def test_a_save_that_changes_no_output_sends_nothing(
        served: Preview, events: EventStream, site: Path) -> None:
    messages: list[str] = served.messages  # type: ignore[attr-defined]
    story = site / "content/stories/online-business-license.md"
    story.write_bytes(story.read_bytes())
    eventually(lambda: any("(0 files changed, 0 removed)" in m for m in messages), "no-op build")
    story.write_text(story.read_text(encoding="utf-8").replace(
        "Small businesses", "Really edited businesses"), encoding="utf-8")
    assert events.wait_for("reload").endswith("-1"), "the no-op build sent an event"
    assert "Really edited" in fetch(served.port, "/stories/online-business-license/").text


def test_pages_stay_whole_while_saves_rebuild_them(
        served: Preview, events: EventStream, site: Path) -> None:
    """The preview updates its folder in place, one atomic rename per file: a reader never
    gets a missing or half-written page, however the requests and rebuilds interleave."""
    story = site / "content/stories/online-business-license.md"
    original = story.read_text(encoding="utf-8")
    replies: list[Response] = []
    done = threading.Event()

    def keep_asking() -> None:
        while not done.is_set():
            for path in ("/stories/online-business-license/", "/", "/feed.xml"):
                replies.append(fetch(served.port, path))

    asker = threading.Thread(target=keep_asking)
    asker.start()
    try:
        for round_ in range(4):
            story.write_text(original.replace("Small businesses", f"Edit {round_} businesses"),
                             encoding="utf-8")
            events.wait_for("reload")
    finally:
        done.set()
        asker.join()
    assert len(replies) > 12
    for reply in replies:
        assert reply.status == 200
        assert reply.body.rstrip().endswith((b"</html>", b"</rss>")), reply.body[-80:]
    assert "Edit 3 businesses" in fetch(served.port, "/stories/online-business-license/").text


def test_editor_style_save_through_a_temporary_file(
        served: Preview, events: EventStream, site: Path) -> None:
    story = site / "content/stories/online-business-license.md"
    temporary = story.with_name(".online-business-license.md.swp")
    temporary.write_text(story.read_text(encoding="utf-8").replace(
        "Small businesses", "Atomically saved businesses"), encoding="utf-8")
    os.replace(temporary, story)
    events.wait_for("reload")
    assert "Atomically saved" in fetch(served.port, "/stories/online-business-license/").text


def test_new_deleted_and_renamed_stories(served: Preview, events: EventStream, site: Path) -> None:
    stories = site / "content/stories"
    write(stories / "brand-new.md", STORY.format(title="Brand new", tag="fresh", body="Hello."))
    events.wait_for("reload")
    eventually(lambda: fetch(served.port, "/stories/brand-new/").status == 200, "new page")
    assert "Brand new" in fetch(served.port, "/stories/").text
    assert "Brand new" in fetch(served.port, "/tags/fresh/").text

    os.rename(stories / "brand-new.md", stories / "renamed-story.md")
    events.wait_for("reload")
    eventually(lambda: fetch(served.port, "/stories/renamed-story/").status == 200, "renamed")
    assert fetch(served.port, "/stories/brand-new/").status == 404
    assert "/stories/renamed-story/" in fetch(served.port, "/stories/").text
    assert "/stories/brand-new/" not in fetch(served.port, "/stories/").text

    (stories / "renamed-story.md").unlink()
    events.wait_for("reload")
    eventually(lambda: fetch(served.port, "/stories/renamed-story/").status == 404, "deleted")
    assert "/stories/renamed-story/" not in fetch(served.port, "/stories/").text
    assert fetch(served.port, "/tags/fresh/").status == 404
    assert "renamed-story" not in fetch(served.port, "/feed.xml").text
    assert "renamed-story" not in fetch(served.port, "/sitemap.xml").text


def test_template_and_config_changes_rebuild(
        served: Preview, events: EventStream, site: Path) -> None:
    base = own_copy(site, "templates/base.html")
    base.write_text(base.read_text(encoding="utf-8").replace(
        "Skip to main content", "Jump to the content"), encoding="utf-8")
    events.wait_for("reload")
    assert "Jump to the content" in fetch(served.port, "/about/").text
    config = site / "site.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        'title = "Lakeshore County News"', 'title = "Lakeshore Gazette"'), encoding="utf-8")
    events.wait_for("reload")
    assert "Lakeshore Gazette" in fetch(served.port, "/").text


def test_a_static_folder_made_after_the_start_is_watched(
        served: Preview, events: EventStream, site: Path) -> None:
    staging = site / "static-new"
    (site / "static").rename(staging)  # gone: the stories' pictures are missing now
    events.wait_for("reload")
    assert "static/images/" in fetch(served.port, "/").text  # in the problems overlay
    write(staging / "notes.txt", "first")
    staging.rename(site / "static")
    events.wait_for("reload")
    eventually(lambda: fetch(served.port, "/notes.txt").text == "first", "static folder copied")
    write(site / "static/notes.txt", "second")
    events.wait_for("reload")
    eventually(lambda: fetch(served.port, "/notes.txt").text == "second", "new folder watched")


def test_stylesheet_change_swaps_css_without_reload(
        served: Preview, events: EventStream, site: Path) -> None:
    css = own_copy(site, "static/css/site.css")
    css.write_text(css.read_text(encoding="utf-8") + "\n.marker-rule { color: red; }\n",
                   encoding="utf-8")
    assert events.next()[0] == "css"
    assert ".marker-rule" in fetch(served.port, "/css/site.css").text


def test_broken_save_shows_an_escaped_overlay_until_fixed(
        served: Preview, events: EventStream, site: Path) -> None:
    broken = site / "content/stories/<b>oops.md"
    write(broken, '---\ntitle: "unclosed\ndate: 2026-01-05\n---\n\nText.\n')
    events.wait_for("reload")
    page = fetch(served.port, "/stories/permit-wait-times-cut/")
    assert page.status == 200 and 'id="storygen-problems"' in page.text
    assert "content/stories/&lt;b&gt;oops.md:" in page.text
    assert "<b>oops" not in page.text
    assert "Building permit wait times" in page.text  # the last good build is still served
    assert any("<b>oops.md" in message for message in served.messages)  # type: ignore[attr-defined]

    write(broken, STORY.format(title="Fixed now", tag="x", body="Good."))
    events.wait_for("reload")
    page = fetch(served.port, "/stories/permit-wait-times-cut/")
    assert 'id="storygen-problems"' not in page.text
    assert "Fixed now" in fetch(served.port, "/stories/").text


def test_missing_image_is_shown_as_the_build_would_refuse_it(
        served: Preview, events: EventStream, site: Path) -> None:
    story = site / "content/stories/online-business-license.md"
    original = story.read_text(encoding="utf-8")
    story.write_text(original.replace("image: /images/business-license.png",
                                      "image: /images/nope.png"), encoding="utf-8")
    events.wait_for("reload")
    page = fetch(served.port, "/stories/online-business-license/")
    assert 'id="storygen-problems"' in page.text and "content/stories/online-business-license.md:" \
        in page.text and "static/images/nope.png" in page.text
    story.write_text(original, encoding="utf-8")
    events.wait_for("reload")
    assert 'id="storygen-problems"' not in fetch(served.port, "/").text


def test_template_error_shows_file_and_line(
        served: Preview, events: EventStream, site: Path) -> None:
    entry = own_copy(site, "templates/entry.html")
    good = entry.read_text(encoding="utf-8")
    entry.write_text(good.replace("{% if item.tags %}", "{% if item.tags %}{{ oops( }}"),
                     encoding="utf-8")
    events.wait_for("reload")
    page = fetch(served.port, "/")
    assert "templates/entry.html:" in page.text and "template error" in page.text
    entry.write_text(good, encoding="utf-8")
    events.wait_for("reload")
    assert 'id="storygen-problems"' not in fetch(served.port, "/").text


@pytest.mark.parametrize("target", [
    "/../../../../etc/passwd",
    "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/%2E%2E%2f%2E%2E%2fetc/passwd",
    "//etc/passwd",
    "/stories/..%2f..%2f..%2fetc/passwd",
    "/index.html%00.txt",
    "http://127.0.0.1/../etc/passwd",
    "/..\\..\\etc\\passwd",
])
def test_path_escapes_are_refused(served: Preview, target: str) -> None:
    reply = raw_request(served.port, f"GET {target} HTTP/1.1")
    status = int(reply.split(" ", 2)[1])
    assert status in (400, 404)
    assert "root:" not in reply


def test_symlinks_out_of_the_output_are_refused(served: Preview, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret", encoding="utf-8")
    assert served.folder is not None
    output = served.folder / "site"
    (output / "leak.txt").symlink_to(secret)
    (output / "outside").symlink_to(tmp_path, target_is_directory=True)
    for path in ("/leak.txt", "/outside/secret.txt", "/outside/"):
        reply = fetch(served.port, path)
        assert reply.status == 404 and "top secret" not in reply.text


def test_every_request_gets_an_answer(served: Preview) -> None:
    """A segment too long for the file system (256+ bytes), a link loop in the output, a
    path thousands of folders deep: each a 404, not a dropped connection."""
    assert served.folder is not None
    (served.folder / "site" / "loop").symlink_to("loop")
    for path in (f"/{'a' * 256}/", f"/stories/{'%C3%A9' * 200}", "/loop", "/loop/x",
                 "/a" * 3000, f"/{'%41' * 300}"):
        reply = raw_request(served.port, f"GET {path} HTTP/1.1")
        assert int(reply.split(" ", 2)[1]) in (404, 414), reply[:200]


def test_folders_serve_their_index_or_404_never_a_listing(served: Preview) -> None:
    folder = fetch(served.port, "/css/")
    assert folder.status == 404 and "Page not found" in folder.text
    assert "Index of" not in folder.text and "site.css<" not in folder.text
    moved = fetch(served.port, "/stories")
    assert moved.status == 301 and moved.headers["location"] == "/stories/"
    escape = fetch(served.port, "//stories")
    assert escape.status == 301 and escape.headers["location"] == "/stories/"
    missing = fetch(served.port, "/no/such/page/")
    assert missing.status == 404 and "Page not found" in missing.text


def test_only_get_and_head(served: Preview) -> None:
    for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS", "BREW"):
        reply = fetch(served.port, "/", method=method)
        assert reply.status == 405, method
        assert reply.headers["allow"] == "GET, HEAD"
    head = fetch(served.port, "/", method="HEAD")
    assert head.status == 200 and head.body == b""
    assert int(head.headers["content-length"]) == len(fetch(served.port, "/").body)


def test_foreign_host_header_is_refused(served: Preview) -> None:
    assert fetch(served.port, "/", headers={"Host": "attacker.example"}).status == 400
    assert fetch(served.port, "/", headers={"Host": f"localhost:{served.port}"}).status == 200


def test_busy_port_moves_to_the_next_and_says_so(site: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        messages: list[str] = []
        preview = Preview(site, port=port, log=messages.append)
        try:
            preview.start()
            assert preview.port != port
            assert f"Port {port} is busy; using port {preview.port}" in messages[0]
            assert fetch(preview.port, "/").status == 200
        except Exception as error:  # the next port may be taken too on a shared machine
            if "all in use" not in str(error):
                raise
        finally:
            preview.stop()


def test_debouncer_gathers_a_burst_into_one_batch() -> None:
    debouncer = Debouncer(quiet=0.05, longest=5)
    debouncer.add(["content/stories/.x.md.swp"])
    debouncer.add(["content/stories/x.md"])
    assert debouncer.take() == {"content/stories/.x.md.swp", "content/stories/x.md"}
    debouncer.close()
    assert debouncer.take() is None


def test_a_finished_save_settles_sooner_than_a_bare_write() -> None:
    """A file closed after writing is a whole save; after a bare write more may follow."""
    debouncer = Debouncer(quiet=2.0, longest=5, finished=0.01)
    started = time.monotonic()
    debouncer.add(["content/stories/x.md"])
    debouncer.add(["content/stories/x.md"], finished=True)
    assert debouncer.take() == {"content/stories/x.md"}
    assert time.monotonic() - started < 1.0
    for first, then in ((["content/stories/x.md"], ["static/big.png"]),
                        (["static/big.png"], ["content/stories/x.md"])):
        debouncer.add(first, finished=first == ["content/stories/x.md"])
        debouncer.add(then, finished=then == ["content/stories/x.md"])
        started = time.monotonic()  # a picture still being copied: wait for the rest of it
        assert debouncer.take() == {"content/stories/x.md", "static/big.png"}
        assert time.monotonic() - started >= 1.9
    debouncer.close()


def test_a_save_is_whole_once_closed_or_renamed_into_place(tmp_path: Path) -> None:
    """An editor's backup by renaming the file away starts a save; it is not one."""
    from watchdog.events import FileClosedEvent, FileModifiedEvent, FileMovedEvent

    from storygen.serve.watch import _Forward

    debouncer = Debouncer()
    forward = _Forward(tmp_path, debouncer, lambda folder: None)
    story = str(tmp_path / "content/stories/x.md")
    forward.on_any_event(FileMovedEvent(story, story + "~"))
    assert debouncer._unfinished == {"content/stories/x.md"}
    forward.on_any_event(FileModifiedEvent(story))
    forward.on_any_event(FileClosedEvent(story))
    assert debouncer._unfinished == set()
    forward.on_any_event(FileMovedEvent(story + ".tmp", story))  # an atomic save
    assert debouncer._unfinished == set() and debouncer.take() == {"content/stories/x.md"}
    debouncer.close()


def test_only_site_sources_count_as_changes(tmp_path: Path) -> None:
    root = tmp_path
    assert relevant(root, str(root / "site.toml")) == "site.toml"
    assert relevant(root, str(root / "content/stories/a.md")) == "content/stories/a.md"
    assert relevant(root, str(root / "static/.well-known/security.txt"))
    for ignored in ("content/stories/a.md~", "content/stories/.a.md.swp", "templates/4913",
                    "_site/index.html", ".storygen-cache/x", "README.md", "content/.#a.md",
                    "content/stories/#a.md#", "content/stories/.goutputstream-X1Y2Z3",
                    "content/stories/a.md.tmp1234", "content/stories/a.md.tmp.88",
                    "content/stories/.a.md.kate-swp", "content/stories/.hidden.md"):
        assert relevant(root, str(root / ignored)) is None, ignored
    assert relevant(root, "/elsewhere/content/a.md") is None


def test_stop_releases_the_event_stream(site: Path) -> None:
    preview = Preview(site, port=0, log=lambda _: None)
    preview.start()
    stream = EventStream(preview.port)
    assert stream.next()[0] == "hello"
    preview.stop()
    with pytest.raises(EOFError):
        stream.next()
    stream.close()
