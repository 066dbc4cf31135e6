"""The reload channel: server-sent events to every open tab, and the script that listens to them."""

from __future__ import annotations

import queue
import re
import secrets
import threading
from dataclasses import dataclass

EVENTS_PATH = "/__storygen/events"
KEEPALIVE_SECONDS = 15.0

# Compares the build it was served with to the one the server has (sent on connect), so a
# build that finished between page load and connect still reloads the tab.
CLIENT_SCRIPT = """<script>
(function () {
  var build = "%(build)s";
  var source = new EventSource("%(events)s");
  function swapStylesheets() {
    document.querySelectorAll('link[rel~="stylesheet"]').forEach(function (link) {
      var url = new URL(link.href);
      url.searchParams.set("storygen", Date.now());
      var fresh = link.cloneNode();
      fresh.href = url.href;
      fresh.onload = function () { link.remove(); };
      link.after(fresh);
    });
  }
  source.addEventListener("hello", function (e) { if (e.data !== build) location.reload(); });
  source.addEventListener("reload", function () { location.reload(); });
  source.addEventListener("css", function (e) { build = e.data; swapStylesheets(); });
})();
</script>
"""

_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)


@dataclass(frozen=True)
class Event:
    name: str
    data: str

    def encode(self) -> bytes:
        return f"event: {self.name}\ndata: {self.data}\n\n".encode()


class Channel:
    """Fans build events out to every connected client; `close()` releases them all."""

    def __init__(self) -> None:
        self._session = secrets.token_hex(4)
        self._generation = 0
        self._clients: set[queue.SimpleQueue[Event | None]] = set()
        self._lock = threading.Lock()
        self.closed = threading.Event()

    @property
    def build_id(self) -> str:
        return f"{self._session}-{self._generation}"

    def publish(self, name: str) -> None:
        """Announce a finished build: `reload` the page, or `css` to swap stylesheets only."""
        with self._lock:
            self._generation += 1
            event = Event(name, self.build_id)
            for client in self._clients:
                client.put(event)

    def subscribe(self) -> queue.SimpleQueue[Event | None]:
        client: queue.SimpleQueue[Event | None] = queue.SimpleQueue()
        with self._lock:
            self._clients.add(client)
            client.put(Event("hello", self.build_id))
            if self.closed.is_set():
                client.put(None)
        return client

    def unsubscribe(self, client: queue.SimpleQueue[Event | None]) -> None:
        with self._lock:
            self._clients.discard(client)

    def close(self) -> None:
        with self._lock:
            self.closed.set()
            for client in self._clients:
                client.put(None)

    def script(self) -> bytes:
        return (CLIENT_SCRIPT % {"build": self.build_id, "events": EVENTS_PATH}).encode()


def inject(html: bytes, snippet: bytes) -> bytes:
    """Insert `snippet` before the last `</body>`, or at the end when there is none."""
    matches = list(_BODY_END.finditer(html))
    if not matches:
        return html + snippet
    at = matches[-1].start()
    return html[:at] + snippet + html[at:]
