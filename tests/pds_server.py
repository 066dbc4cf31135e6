"""The AT Protocol reference PDS (npm @atproto/pds, installed in tests/pds/ by .ci/run) on
127.0.0.1, with one account, for tests that post to Bluesky through real server software.

It validates every record against Bluesky's lexicons as the production PDS does: a post's
text over 300 graphemes (or 3,000 bytes), a bad facet or a record key that is not a TID is
refused by the server, not by our own counter.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.request import Request, urlopen

HERE = Path(__file__).resolve().parent / "pds"


def pds_available() -> bool:
    return shutil.which("node") is not None and (HERE / "node_modules/@atproto/pds").is_dir()


@dataclass
class Pds:
    """One account on the running server (`handle`, `password`: an app password)."""

    url: str
    handle: str
    password: str
    did: str

    def xrpc(self, method: str, **params: str) -> dict:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        with urlopen(f"{self.url}/xrpc/{method}?{query}", timeout=30) as answer:
            return json.load(answer)

    def posts(self) -> list[dict]:
        """Every app.bsky.feed.post record in the account's repository."""
        found: list[dict] = []
        cursor = ""
        while True:
            page = self.xrpc("com.atproto.repo.listRecords", repo=self.did,
                             collection="app.bsky.feed.post", limit="100",
                             **({"cursor": cursor} if cursor else {}))
            found += page["records"]
            cursor = page.get("cursor", "")
            if not cursor or not page["records"]:
                return found


def _call(url: str, method: str, body: dict, token: str = "") -> dict:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = Request(f"{url}/xrpc/{method}", json.dumps(body).encode(), headers)
    with urlopen(request, timeout=30) as answer:
        return json.load(answer)


class PdsServer:
    def __init__(self, url: str, process: subprocess.Popen[str]) -> None:
        self.url, self.process = url, process
        self.accounts = 0

    def account(self) -> Pds:
        """A new account, with an app password as an agency would make for storygen."""
        self.accounts += 1
        handle = f"agency{self.accounts}.test"
        made = _call(self.url, "com.atproto.server.createAccount",
                     {"handle": handle, "email": f"social@{handle}", "password": "main-pw-1"})
        app = _call(self.url, "com.atproto.server.createAppPassword", {"name": "storygen"},
                    made["accessJwt"])
        return Pds(self.url, handle, app["password"], made["did"])

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_pds(data: Path) -> PdsServer:
    data.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    env = {**os.environ, "LOG_ENABLED": "false"}
    process = subprocess.Popen(["node", str(HERE / "start.js"), str(data), str(port)],
                               cwd=HERE, stdout=subprocess.PIPE, text=True, env=env)
    assert process.stdout
    line = process.stdout.readline()  # {"port": N} once it listens
    if not line:
        process.wait()
        raise RuntimeError("the PDS did not start")
    return PdsServer(f"http://127.0.0.1:{json.loads(line)['port']}", process)
