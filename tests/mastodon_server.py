"""A Mastodon server on 127.0.0.1 for tests: the documented REST endpoints storygen uses.

No package of Mastodon itself can run here (it needs PostgreSQL, Redis and a Rails app), so this
implements what the API documents: `POST /api/v2/media` (202 until processed, alt text up to
1,500 characters), `GET /api/v1/media/:id`, `POST /api/v1/statuses` with `Idempotency-Key` (the
same key returns the same status), `GET /api/v1/instance` (the version
Mastodon.py asks for), `GET /api/v1/accounts/verify_credentials` and
`/api/v1/accounts/:id/statuses`, bearer tokens. Length is checked as Mastodon's
StatusLengthValidator does: every URL counts 23, `@user@domain` counts as `@user`, and the
rest is counted by Ruby itself (`String#each_grapheme_cluster`, as the Rails server runs it),
not by our Python counter.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import html
import json
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

# Twitter::TwitterText::Extractor finds these as URLs (with a protocol, as Mastodon asks it).
URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,!?;:)\]']")
MENTION = re.compile(r"(?<![=/\w])@(\w+(?:[\w.-]+\w)?)@[\w.-]+\w", re.IGNORECASE)
RUBY_COUNTER = ('STDOUT.sync = true\n'
                'while (line = STDIN.gets)\n'
                '  text = line.chomp.unpack1("m0").force_encoding("UTF-8")\n'
                '  puts text.each_grapheme_cluster.size\n'
                'end\n')


def ruby_available() -> bool:
    return shutil.which("ruby") is not None


class RubyCounter:
    """Ruby's grapheme clusters, from one long-running `ruby` process."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(["ruby", "-e", RUBY_COUNTER], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        self.lock = threading.Lock()

    def __call__(self, text: str) -> int:
        line = base64.b64encode(text.encode("utf-8")).decode("ascii")
        with self.lock:
            assert self.process.stdin and self.process.stdout
            self.process.stdin.write(line + "\n")
            self.process.stdin.flush()
            return int(self.process.stdout.readline())

    def close(self) -> None:
        self.process.kill()
        self.process.wait()


def mastodon_length(text: str, count: RubyCounter) -> int:
    """StatusLengthValidator#countable_length."""
    text = URL.sub("x" * 23, text)
    return count(MENTION.sub(lambda m: "@" + m.group(1), text))


@dataclass
class State:
    token: str
    base: str = ""
    max_characters: int = 500
    delay: float = 0.0  # seconds every request waits (so a kill lands mid-request)
    drop_answers: int = 0  # this many status creations succeed but get no answer
    statuses: list[dict[str, Any]] = field(default_factory=list)
    media: dict[str, dict[str, Any]] = field(default_factory=dict)
    keys: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    counter: RubyCounter | None = None

    def account(self) -> dict[str, Any]:
        return {"id": "1", "username": "agency", "acct": "agency", "display_name": "Agency",
                "url": f"{self.base}/@agency"}


class Handler(BaseHTTPRequestHandler):
    state: State
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:  # quiet
        pass

    def _send(self, code: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorised(self) -> bool:
        if self.headers.get("Authorization") == f"Bearer {self.state.token}":
            return True
        self._send(401, {"error": "The access token is invalid"})
        return False

    def _form(self) -> dict[str, list[Any]]:
        size = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(size)
        kind = self.headers.get("Content-Type", "")
        if kind.startswith("multipart/form-data"):
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                b"Content-Type: " + kind.encode() + b"\r\n\r\n" + raw)
            form: dict[str, list[Any]] = {}
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                value = part.get_payload(decode=True)
                form.setdefault(name, []).append(
                    value if part.get_filename() else value.decode("utf-8"))
            return form
        if kind.startswith("application/json"):
            return {k: v if isinstance(v, list) else [v] for k, v in json.loads(raw).items()}
        return parse_qs(raw.decode("utf-8"), keep_blank_values=True)

    def do_GET(self) -> None:
        state = self.state
        time.sleep(state.delay)
        path = urlsplit(self.path).path.rstrip("/")
        state.requests.append(f"GET {path}")
        if not path.endswith("/instance") and not self._authorised():
            return
        if path in ("/api/v1/instance", "/api/v2/instance"):
            return self._send(200, {"uri": "127.0.0.1", "domain": "127.0.0.1",
                                    "version": "4.3.0", "api_versions": {"mastodon": 2},
                                    "configuration": {"statuses": {
                                        "max_characters": state.max_characters,
                                        "characters_reserved_per_url": 23}}})
        if path == "/api/v1/accounts/verify_credentials":
            return self._send(200, state.account())
        if path.startswith("/api/v1/media/"):
            media = state.media.get(path.rsplit("/", 1)[1])
            if media is None:
                return self._send(404, {"error": "Record not found"})
            media["url"] = f"{state.base}/media/{media['id']}.png"  # processed by now
            return self._send(200, media)
        if path == "/api/v1/accounts/1/statuses":
            limit = int(parse_qs(urlsplit(self.path).query).get("limit", ["20"])[0])
            return self._send(200, list(reversed(state.statuses))[:limit])
        self._send(404, {"error": "Not found"})

    def do_POST(self) -> None:
        state = self.state
        time.sleep(state.delay)
        path = urlsplit(self.path).path.rstrip("/")
        state.requests.append(f"POST {path}")
        if not self._authorised():
            return
        form = self._form()
        if path == "/api/v2/media":
            return self._media(form)
        if path == "/api/v1/statuses":
            return self._status(form)
        self._send(404, {"error": "Not found"})

    def _media(self, form: dict[str, list[Any]]) -> None:
        state = self.state
        description = (form.get("description") or [""])[0]
        if not form.get("file"):
            return self._send(422, {"error": "Validation failed: File can't be blank"})
        if len(description) > 1500:
            return self._send(422, {"error": "Validation failed: Description is too long"})
        with state.lock:
            media_id = str(len(state.media) + 1)
            media = {"id": media_id, "type": "image", "url": None, "description": description,
                     "size": len(form["file"][0])}
            state.media[media_id] = media
        self._send(202, media)

    def _status(self, form: dict[str, list[Any]]) -> None:
        state = self.state
        text = (form.get("status") or [""])[0]
        key = self.headers.get("Idempotency-Key")
        with state.lock:
            if key and key in state.keys:
                return self._send(200, state.keys[key])
            assert state.counter is not None
            length = mastodon_length(text, state.counter)
            if length > state.max_characters:
                return self._send(422, {"error": f"Validation failed: Text character limit of "
                                                 f"{state.max_characters} exceeded"})
            ids = form.get("media_ids[]", []) + form.get("media_ids", [])
            media = [state.media.get(str(i)) for i in ids]
            if any(m is None or m["url"] is None for m in media):
                return self._send(422, {"error": "Cannot attach files that have not finished "
                                                 "processing. Try again in a moment!"})
            parent = (form.get("in_reply_to_id") or [None])[0]
            if parent is not None and not any(s["id"] == str(parent) for s in state.statuses):
                return self._send(404, {"error": "Record not found"})  # as Mastodon answers
            number = str(len(state.statuses) + 1)
            status = {"id": number, "in_reply_to_id": parent,
                      "url": f"{state.base}/@agency/{number}",
                      "uri": f"{state.base}/users/agency/statuses/{number}",
                      "content": _html(text), "text": text, "length": length,
                      "language": (form.get("language") or [None])[0],
                      "visibility": (form.get("visibility") or ["public"])[0],
                      "media_attachments": media, "idempotency_key": key,
                      "account": state.account(), "created_at": "2026-01-01T00:00:00.000Z"}
            state.statuses.append(status)
            if key:
                state.keys[key] = status
            if state.drop_answers > 0:
                state.drop_answers -= 1
                self.close_connection = True
                return
        time.sleep(state.delay)  # made, not yet answered: a kill here must not lose it
        self._send(200, status)


def _html(text: str) -> str:
    """Roughly what Mastodon's formatter makes: paragraphs, links as anchors."""
    escaped = html.escape(text)
    linked = URL.sub(lambda m: f'<a href="{m.group()}">{m.group()}</a>', escaped)
    return "".join(f"<p>{p.replace(chr(10), '<br />')}</p>" for p in linked.split("\n\n"))


class MastodonServer:
    """Start with `with MastodonServer(token) as server:`; `server.url` is its address."""

    def __init__(self, token: str, **settings: Any) -> None:
        self.state = State(token, **settings)
        handler = type("BoundHandler", (Handler,), {"state": self.state})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.state.base = self.url
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> MastodonServer:
        self.state.counter = RubyCounter()
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self.state.counter:
            self.state.counter.close()
