"""A student's feedback, from the store: every check with its message, the architecture beside the
reference's, notes, and training curves.

Why a separate renderer from the leaderboard: this page goes to one student and explains; the board
compares. Two formats: Markdown (PNG curves written beside the ``.md``, for a repo or an LMS that takes
files) and HTML (one self-contained file: CSS inline, curves as base64 data URIs, readable on a phone).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from harness.output.escape import file_name, html_text, markdown_text
from harness.output.plots import has_history, history_pngs
from harness.results import AssignmentResult, SubmissionResult

FORMATS = ("md", "html")
#: Plain symbols, not emoji: they render with any font (a lab PC, a headless browser, a PDF printer).
STATUS_MARK = {"passed": "✓", "failed": "✗", "error": "✗", "missing": "✗", "skipped": "–"}
#: Scalar metrics shown in the Training table, in this order, when present (others follow by name).
KNOWN_METRICS = ("accuracy", "val_accuracy", "loss", "val_loss", "test_accuracy", "time_to_accuracy_s")
#: Heading over the notes the sandboxed run wrote: the student's code could have written them, so they are quoted
#: as theirs, apart from the grader's own notes.
CHILD_NOTES_TITLE = "Reported by your program's run"
CHILD_NOTES_HINT = "written inside the sandbox, where your code ran; quoted as it came, not checked by the grader"


@dataclass
class Report:
    """The rendered text and the images it refers to (``{file name: PNG bytes}``; empty for HTML)."""

    text: str
    images: dict[str, bytes] = field(default_factory=dict)


def _percent(score: float, max_score: float) -> str:
    return f" ({100 * score / max_score:.1f} %)" if max_score else ""


def _num(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "—" if value is None else str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _scalar_metrics(a: AssignmentResult) -> list[tuple[str, Any]]:
    scalars = {k: v for k, v in a.metrics.items() if isinstance(v, (int, float, str)) and not isinstance(v, bool)}
    ordered = [(k, scalars.pop(k)) for k in KNOWN_METRICS if k in scalars]
    ordered += sorted(scalars.items())
    ordered += [(f"time: {k}", v) for k, v in sorted(a.timings.items())]
    return ordered


def _params_line(a: AssignmentResult) -> str | None:
    if a.params is None and a.expected_params is None:
        return None
    line = f"Parameters: {_num(a.params)}"
    if a.expected_params is not None:
        same = " ✓" if a.params == a.expected_params else ""
        line += f" (reference {_num(a.expected_params)}){same}"
    return line


def _plots(a: AssignmentResult) -> dict[str, bytes]:
    history = a.metrics.get("history")
    return history_pngs(history, title=a.id) if history is not None and has_history(history) else {}


# -- Markdown ---------------------------------------------------------------------------------------------


def render_markdown(result: SubmissionResult, *, course: str = "", plots: bool = True,
                    image_prefix: str | None = None) -> Report:
    """Markdown feedback; curves come back as images ``<prefix><assignment>_<loss|accuracy>.png`` to write beside it."""
    prefix = image_prefix if image_prefix is not None else f"{file_name(result.submission)}_"
    md = markdown_text
    out: list[str] = []
    images: dict[str, bytes] = {}
    title = f"Feedback — {result.submission}" + (f" ({course})" if course else "")
    out += [f"# {md(title)}", "",
            f"**Score: {result.score:g} / {result.max_score:g}**{_percent(result.score, result.max_score)}", ""]
    if result.warnings:
        out += ["> **Warnings**", *[f"> - {md(w)}" for w in result.warnings], ""]
    for a in result.assignments:
        mark = STATUS_MARK.get(a.status, "")
        out += [f"## {md(a.id)} — {mark} {md(a.status)} · {a.score:g} / {a.max_score:g}", ""]
        if a.file:
            out += [f"File: {md(a.file)}", ""]
        if a.reason:
            out += [f"**Why:** {md(a.reason)}", ""]
        if a.checks:
            out += ["| | Check | Message |", "|---|---|---|"]
            out += [f"| {'✓' if c.passed else '✗'} | {md(c.name)} | {md(c.message)} |" for c in a.checks]
            out.append("")
        if (line := _params_line(a)) is not None:
            out += [md(line), ""]
        if a.architecture:
            out += ["### Architecture", "", "| Layer | Your model | Reference | |", "|---|---|---|---|"]
            for row in a.architecture:
                student, ref = row.get("student", ""), row.get("reference", "")
                same = "✓" if student == ref else "≠"
                out.append(f"| {md(row.get('layer', ''))} | {md(student or '—')} | {md(ref or '—')} | {same} |")
            out.append("")
        if a.notes:
            out += ["### Notes", "", *[f"- {md(n)}" for n in a.notes], ""]
        if a.child_notes:
            quoted = "\n>\n".join(f"> {md(n)}" for n in a.child_notes)
            out += [f"### {CHILD_NOTES_TITLE}", "", f"*{CHILD_NOTES_HINT}:*", "", quoted, ""]
        metrics = _scalar_metrics(a)
        pngs = _plots(a) if plots else {}
        if metrics or pngs:
            out += ["### Training", ""]
        if metrics:
            out += ["| Figure | Value |", "|---|---|", *[f"| {md(k)} | {md(_num(v))} |" for k, v in metrics], ""]
        for panel, png in pngs.items():
            name = f"{prefix}{file_name(a.id)}_{panel}.png"
            images[name] = png
            out += [f"![{md(a.id)}: training and validation {panel}]({name})", ""]
    return Report("\n".join(out).rstrip() + "\n", images)


# -- HTML -------------------------------------------------------------------------------------------------

_CSS = """
:root{color-scheme:light dark;--fg:#1b1f24;--bg:#fff;--mut:#57606a;--line:#d0d7de;--ok:#1a7f37;--bad:#cf222e;
--head:#f6f8fa}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--mut:#8d96a0;--line:#30363d;--ok:#3fb950;
--bad:#f85149;--head:#161b22}}
*{box-sizing:border-box}
body{margin:0 auto;max-width:960px;padding:1rem;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:var(--fg);background:var(--bg)}
h1{font-size:1.5rem}h2{font-size:1.2rem;border-bottom:1px solid var(--line);padding-bottom:.25rem;margin-top:2rem}
h3{font-size:1rem}
.wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid var(--line);padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:var(--head)}
td.msg{white-space:pre-wrap}
.passed{color:var(--ok)}.failed,.error,.missing{color:var(--bad)}.skipped{color:var(--mut)}
tr.diff td{background:rgba(207,34,46,.08)}
.warn{border-left:4px solid #d4a72c;padding:.25rem .75rem}
.plots{display:flex;flex-wrap:wrap;gap:.5rem}
.plots img{flex:1 1 320px;max-width:100%;min-width:0;height:auto}
code{font-size:.9em}
.hint{color:var(--mut);font-size:.9em}
blockquote.child{margin:.5rem 0;padding:.25rem .75rem;border-left:4px solid var(--line);white-space:pre-wrap}
"""


def render_html(result: SubmissionResult, *, course: str = "", plots: bool = True) -> Report:
    """One self-contained HTML page; curves are embedded as ``data:image/png;base64`` URIs."""
    e = html_text
    title = f"Feedback — {result.submission}" + (f" ({course})" if course else "")
    body: list[str] = [f"<h1>{e(title)}</h1>",
                       (f"<p><strong>Score: {result.score:g} / {result.max_score:g}</strong>"
                       f"{e(_percent(result.score, result.max_score))}</p>")]
    if result.warnings:
        body.append('<div class="warn"><strong>Warnings</strong><ul>'
                    + "".join(f"<li>{e(w)}</li>" for w in result.warnings) + "</ul></div>")
    for a in result.assignments:
        status = e(a.status)
        body.append(f'<section id="{e(file_name(a.id))}"><h2>{e(a.id)} — <span class="{status}">'
                    f"{STATUS_MARK.get(a.status, '')} {status}</span> · {a.score:g} / {a.max_score:g}</h2>")
        if a.file:
            body.append(f"<p>File: <code>{e(a.file)}</code></p>")
        if a.reason:
            body.append(f"<p><strong>Why:</strong> {e(a.reason)}</p>")
        if a.checks:
            rows = "".join(
                f'<tr><td class="{"passed" if c.passed else "failed"}">{"✓" if c.passed else "✗"}</td>'
                f'<td>{e(c.name)}</td><td class="msg">{e(c.message)}</td></tr>' for c in a.checks)
            body.append('<div class="wrap"><table class="checks"><thead><tr><th></th><th>Check</th><th>Message</th>'
                        f"</tr></thead><tbody>{rows}</tbody></table></div>")
        if (line := _params_line(a)) is not None:
            body.append(f"<p>{e(line)}</p>")
        if a.architecture:
            cells: list[str] = []
            for row in a.architecture:
                student, ref = str(row.get("student", "")), str(row.get("reference", ""))
                cls = "" if student == ref else ' class="diff"'
                cells.append(f"<tr{cls}><td>{e(str(row.get('layer', '')))}</td><td><code>{e(student or '—')}</code>"
                            f"</td><td><code>{e(ref or '—')}</code></td></tr>")
            body.append('<h3>Architecture</h3><div class="wrap"><table class="architecture"><thead><tr>'
                        "<th>Layer</th><th>Your model</th><th>Reference</th></tr></thead><tbody>"
                        + "".join(cells) + "</tbody></table></div>")
        if a.notes:
            body.append("<h3>Notes</h3><ul>" + "".join(f"<li>{e(n)}</li>" for n in a.notes) + "</ul>")
        if a.child_notes:
            body.append(f'<h3>{e(CHILD_NOTES_TITLE)}</h3><p class="hint">{e(CHILD_NOTES_HINT)}:</p>'
                        '<blockquote class="child">' + "".join(f"<p>{e(n)}</p>" for n in a.child_notes)
                        + "</blockquote>")
        metrics = _scalar_metrics(a)
        pngs = _plots(a) if plots else {}
        if metrics or pngs:
            body.append("<h3>Training</h3>")
        if metrics:
            body.append('<div class="wrap"><table class="metrics"><tbody>' + "".join(
                f"<tr><th>{e(k)}</th><td>{e(_num(v))}</td></tr>" for k, v in metrics) + "</tbody></table></div>")
        if pngs:
            body.append('<div class="plots">' + "".join(
                f'<img alt="{e(a.id)}: training and validation {panel}" '
                f'src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">' for panel, png in pngs.items())
                + "</div>")
        body.append("</section>")
    page = "\n".join(body)
    text = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<main>
{page}
</main>
</body>
</html>
"""
    return Report(text)


def render(result: SubmissionResult, fmt: str, *, course: str = "", plots: bool = True,
           image_prefix: str | None = None) -> Report:
    """Feedback for one submission in ``fmt`` (``md`` or ``html``)."""
    if fmt == "md":
        return render_markdown(result, course=course, plots=plots, image_prefix=image_prefix)
    if fmt == "html":
        return render_html(result, course=course, plots=plots)
    raise ValueError(f"unknown report format {fmt!r}; use md or html")
