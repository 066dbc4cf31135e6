"""The HTTP side: GET and HEAD of files under the output folder, plus the reload event stream."""

from __future__ import annotations

import errno
import ipaddress
import mimetypes
import queue
import socket
import sys
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from ..problems import Problem, StorygenError
from .overlay import overlay
from .paths import request_path, resolve
from .reload import EVENTS_PATH, KEEPALIVE_SECONDS, Channel, inject

PORT_TRIES = 20
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
_TEXT_TYPES = ("text/", "application/xml", "application/json", "application/javascript",
               "image/svg+xml", "application/rss+xml", "application/atom+xml")
_NOT_FOUND = (b"<!DOCTYPE html>\n<html><head><title>Not found</title></head>"
              b"<body><h1>Not found</h1></body></html>\n")


@dataclass
class ServedSite:
    """What the handler serves; the builder thread updates it after every build."""

    output: Path
    channel: Channel
    base_path: str = "/"
    problems: tuple[Problem, ...] = ()
    allowed_hosts: frozenset[str] | None = field(default=None)  # None: any Host header


class PreviewHandler(BaseHTTPRequestHandler):
    """Serves the preview. HTTP/1.0, so every connection closes and shutdown can join its thread."""

    server: PreviewServer
    server_version = "storygen-preview"
    sys_version = ""
    timeout = 60

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def __getattr__(self, name: str) -> Any:
        """Every other method (`do_POST`, `do_PUT`, `do_FOO`...) is answered 405."""
        if name.startswith("do_"):
            return self._not_allowed
        raise AttributeError(name)

    def _not_allowed(self) -> None:
        self._send(405, b"Method not allowed: use GET or HEAD\n", "text/plain; charset=utf-8",
                   send_body=True, extra={"Allow": "GET, HEAD"})

    def _respond(self, send_body: bool) -> None:
        site = self.server.site
        if not self._host_allowed(site):
            self._send(400, b"Unexpected Host header\n", "text/plain; charset=utf-8", send_body)
            return
        if request_path(self.path) == EVENTS_PATH:
            self._events(site.channel, send_body)
            return
        target = resolve(site.output, site.base_path, self.path)
        if target.redirect:
            self._send(301, b"", "text/plain; charset=utf-8", send_body,
                       extra={"Location": target.redirect})
        elif target.status == 400:
            self._send(400, b"Bad request path\n", "text/plain; charset=utf-8", send_body)
        elif target.file is None:
            page = site.output / "404.html"
            body = page.read_bytes() if page.is_file() else _NOT_FOUND
            self._send(404, self._decorate(body), "text/html; charset=utf-8", send_body)
        else:
            self._send_file(target.file, send_body)

    def _host_allowed(self, site: ServedSite) -> bool:
        host = self.headers.get("Host")
        if site.allowed_hosts is None or host is None:
            return True
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        return name.strip("[]").lower() in site.allowed_hosts

    def _send_file(self, path: Path, send_body: bool) -> None:
        body = _read(path)
        if body is None:  # a build removed it in between resolving and reading
            self._send(404, self._decorate(_NOT_FOUND), "text/html; charset=utf-8", send_body)
            return
        kind = content_type(path)
        if kind.startswith("text/html"):
            body = self._decorate(body)
        self._send(200, body, kind, send_body)

    def _decorate(self, html: bytes) -> bytes:
        """The reload script, and the problems overlay while the last build failed."""
        site = self.server.site
        snippet = site.channel.script()
        if site.problems:
            snippet = overlay(site.problems) + snippet
        return inject(html, snippet)

    def _send(self, status: int, body: bytes, kind: str, send_body: bool,
              extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def _events(self, channel: Channel, send_body: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not send_body:
            return
        client = channel.subscribe()
        try:
            self.wfile.write(b"retry: 1000\n\n")
            while True:
                try:
                    event = client.get(timeout=KEEPALIVE_SECONDS)
                except queue.Empty:
                    self.wfile.write(b": keep-alive\n\n")
                    continue
                if event is None:
                    return
                self.wfile.write(event.encode())
        except OSError:
            return  # the tab was closed
        finally:
            channel.unsubscribe(client)

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the terminal is for build results."""


class PreviewServer(ThreadingHTTPServer):
    """Joins every request thread on close, so stopping leaves no thread behind."""

    daemon_threads = False
    block_on_close = True

    def __init__(self, address: tuple[str, int], site: ServedSite) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, PreviewHandler)
        self.site = site

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if not isinstance(error, OSError):
            print(f"storygen serve: request failed: {error!r}", file=sys.stderr)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def content_type(path: Path) -> str:
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix == ".xml":
        kind = "application/xml"
    return kind + "; charset=utf-8" if kind.startswith(_TEXT_TYPES) else kind


def allowed_hosts(host: str) -> frozenset[str] | None:
    """On loopback, only loopback Host headers (DNS rebinding cannot reach drafts); else any."""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    return LOOPBACK_NAMES | {host.lower()} if loopback else None


def bind(host: str, port: int, site: ServedSite) -> PreviewServer:
    """Listen on `port`, or on the next free one when it is busy (the caller says so)."""
    last = port if port == 0 else port + PORT_TRIES - 1
    for candidate in range(port, last + 1):
        try:
            return PreviewServer((host, candidate), site)
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                raise StorygenError([Problem(f"{host}:{candidate}", None,
                                             f"cannot listen there: {error.strerror}",
                                             "choose another --host or --port")]) from None
    raise StorygenError([Problem(f"{host}:{port}", None,
                                 f"ports {port} to {last} are all in use",
                                 "stop the other server, or choose another --port")])
