"""Links to other sites: asked concurrently, each with a time limit. Off unless asked for."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from .. import __version__

USER_AGENT = f"storygen-check/{__version__} (link checker)"
_REFUSES_HEAD = {403, 405, 501}


def probe(urls: Sequence[str], timeout: float, workers: int) -> dict[str, str]:
    """What is wrong with each URL ("" when it answers with a success)."""
    if not urls:
        return {}
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(urls)))) as pool:
        return dict(zip(urls, pool.map(lambda url: _probe(url, timeout), urls), strict=True))


def _probe(url: str, timeout: float) -> str:
    for method in ("HEAD", "GET"):
        request = urllib.request.Request(url, method=method, headers={"User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=timeout):
                return ""
        except urllib.error.HTTPError as error:
            if method == "HEAD" and error.code in _REFUSES_HEAD:
                continue  # some servers only answer GET
            return f"answers {error.code} {error.reason}"
        except TimeoutError:
            return f"did not answer within {timeout:g} s"
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError):
                return f"did not answer within {timeout:g} s"
            return f"cannot be reached ({error.reason})"
        except (OSError, ValueError) as error:
            return f"cannot be reached ({error})"
    return ""
