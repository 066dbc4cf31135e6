"""The page shown over the preview while the last save broke the build. Everything is escaped."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from ..problems import Problem

OVERLAY_ID = "storygen-problems"

_STYLE = (
    f"#{OVERLAY_ID}{{position:fixed;inset:0;z-index:2147483647;overflow:auto;margin:0;"
    "padding:2rem;background:rgba(20,20,20,.97);color:#fff;font:1rem/1.5 system-ui,sans-serif}"
    f"#{OVERLAY_ID} h2{{margin-top:0;color:#ffbe2e}}"
    f"#{OVERLAY_ID} li{{margin:.5rem 0}}"
    f"#{OVERLAY_ID} code{{color:#9fd4ff;font:inherit;font-family:ui-monospace,monospace}}"
)


def overlay(problems: Sequence[Problem]) -> bytes:
    """A full-screen panel listing each problem as `file:line: message (hint)`."""
    count = len(problems)
    items = "".join(_item(problem) for problem in problems)
    return (
        f'<style>{_STYLE}</style><section id="{OVERLAY_ID}" role="alert">'
        f"<h2>storygen: {count} problem{'s' if count != 1 else ''} in the last save</h2>"
        "<p>The preview shows the last good build. Fix the problem and save: "
        "this page reloads by itself.</p>"
        f"<ul>{items}</ul></section>\n"
    ).encode()


def _item(problem: Problem) -> str:
    where = problem.path + (f":{problem.line}" if problem.line is not None else "")
    hint = f" <em>({escape(problem.hint)})</em>" if problem.hint else ""
    return f"<li><code>{escape(where)}</code>: {escape(problem.message)}{hint}</li>"

