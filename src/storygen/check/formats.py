"""Ways to show a report: for people (grouped by file), for tools (JSON), for GitHub Actions."""

from __future__ import annotations

import json
from itertools import groupby

from .runner import Report

FORMATS = ("human", "json", "github")
_COLOURS = {"error": "\033[31m", "warning": "\033[33m", "dim": "\033[2m", "bold": "\033[1m"}
_RESET = "\033[0m"


def render(report: Report, form: str, colour: bool = False) -> str:
    if form == "json":
        return format_json(report)
    if form == "github":
        return format_github(report)
    return format_human(report, colour)


def format_human(report: Report, colour: bool = False) -> str:
    """`path:line:col: level: message [rule]`, files apart, each fix on the line below."""
    def paint(text: str, style: str) -> str:
        return f"{_COLOURS[style]}{text}{_RESET}" if colour else text

    lines: list[str] = []
    for _, group in groupby(report.diagnostics, key=lambda d: d.path):
        if lines:
            lines.append("")
        for d in group:
            where = paint(f"{d.path}:{d.line}:{d.column}:", "bold")
            rule = paint(f"[{d.rule}]", "dim")
            lines.append(f"{where} {paint(d.level + ':', d.level)} {d.message} {rule}")
            if d.fix:
                lines.append(f"    {paint('fix:', 'dim')} {d.fix}")
    if lines:
        lines.append("")
    lines.append(_summary(report))
    return "\n".join(lines) + "\n"


def _summary(report: Report) -> str:
    if not report.diagnostics:
        return f"No problems found in {_checked(report)}."
    files = len({d.path for d in report.diagnostics})
    found = (f"{_count(report.errors, 'error')} and {_count(report.warnings, 'warning')} "
             f"in {_count(files, 'file')}")
    return f"{found}; checked {_checked(report)}." if report.files else f"{found}."


def _checked(report: Report) -> str:
    """What was checked, e.g. `14 entries (1 draft) and 5 pages`."""
    drafts = f" ({_count(report.drafts, 'draft')})" if report.drafts else ""
    parts = [f"{_count(report.entries, 'entry', 'entries')}{drafts}"] if (
        report.entries or not report.pages) else []
    parts += [_count(report.pages, "page")] if report.pages else []
    return " and ".join(parts)


def _count(number: int, noun: str, nouns: str = "") -> str:
    return f"{number} {noun if number == 1 else nouns or noun + 's'}"


def format_json(report: Report) -> str:
    data = {"files": report.files, "entries": report.entries, "drafts": report.drafts,
            "pages": report.pages, "errors": report.errors, "warnings": report.warnings,
            "diagnostics": [d.as_dict() for d in report.diagnostics]}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def format_github(report: Report) -> str:
    """GitHub Actions workflow commands, one annotation per problem."""
    lines = []
    for d in report.diagnostics:
        message = f"{d.message}\n{d.fix}" if d.fix else d.message
        lines.append(f"::{d.level} file={_property(d.path)},line={d.line},col={d.column},"
                     f"title={_property(d.rule)}::{_data(message)}")
    return "".join(line + "\n" for line in lines)


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
