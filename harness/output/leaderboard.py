"""Ranking the class, and showing the ranking as a table, Markdown, CSV, JSON or one self-contained HTML page.

Order (class board): total score, then accuracy (mean of ``metrics["accuracy"]`` where present), then
training time (sum of ``timings["train_s"]``, less is better). Per-assignment boards order by the
assignment's score, accuracy, then time-to-accuracy (or training time). Submissions equal on every key
share a rank (1, 2, 2, 4), and are listed by name so output is deterministic.

Figures read from an :class:`~harness.results.AssignmentResult` (each looked up in ``metrics`` first, then
``timings``): ``accuracy``, ``train_s``, ``time_to_accuracy_s``, ``bench_cpu_s``, ``bench_gpu_s``.
Absent figures show as "—" and sort last.

Pseudonyms (``--pseudonymous``) are HMAC-SHA256 of the submission name keyed by a secret kept in the
results store, so a student keeps the same pseudonym across runs, and nobody without the store can
recompute the mapping from a class list.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tabulate import tabulate

from harness.output.escape import csv_row, html_text, markdown_text, terminal
from harness.pipeline import scoring
from harness.pipeline.course import Course
from harness.results import AssignmentResult, SubmissionResult

DASH = "—"
FORMATS = ("table", "md", "html", "csv", "json")


@dataclass
class Standing:
    """One line of a board. For a per-assignment board, ``status`` and the benchmark fields are filled in."""

    rank: int
    submission: str
    name: str
    score: float
    max_score: float
    accuracy: float | None = None
    train_s: float | None = None
    passed: int = 0
    graded: int = 0
    scores: dict[str, float] = field(default_factory=dict)
    status: str | None = None
    time_to_accuracy_s: float | None = None
    bench_cpu_s: float | None = None
    bench_gpu_s: float | None = None

    @property
    def percent(self) -> float | None:
        return round(100.0 * self.score / self.max_score, 1) if self.max_score else None


def figure(assignment: AssignmentResult, key: str) -> float | None:
    """A numeric figure from ``metrics`` or ``timings``; ``None`` when absent or not a finite number."""
    for source in (assignment.metrics, assignment.timings):
        value = source.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            return float(value)
    return None


def _mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(sum(present) / len(present), 6) if present else None


def _total(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(sum(present), 6) if present else None


def _assign_ranks(items: list[tuple[tuple[Any, ...], Standing]]) -> list[Standing]:
    items.sort(key=lambda kv: (kv[0], kv[1].submission))
    ranked: list[Standing] = []
    previous: tuple[Any, ...] | None = None
    for position, (key, standing) in enumerate(items, start=1):
        standing.rank = ranked[-1].rank if key == previous and ranked else position
        previous = key
        ranked.append(standing)
    return ranked


def _last_if_none(value: float | None, better: str) -> float:
    """Sort key for a figure where ``better`` is "high" or "low"; a missing figure sorts after any present one."""
    if value is None:
        return math.inf
    return -value if better == "high" else value


def rank(results: Sequence[SubmissionResult], course: Course | None = None) -> list[Standing]:
    """The class board: every submission, best first, by the stored scores (course policy and late penalties
    applied when graded, :mod:`harness.pipeline.scoring`). Practice assignments (graded so, or so in ``course``) are
    left out."""
    items = []
    for result in results:
        counted = scoring.counted(result, course)
        score, max_score = scoring.totals(result, course)
        standing = Standing(
            rank=0, submission=result.submission, name=result.submission, score=score, max_score=max_score,
            accuracy=_mean(figure(a, "accuracy") for a in counted),
            train_s=_total(figure(a, "train_s") for a in counted),
            passed=sum(a.status == "passed" for a in counted),
            graded=sum(a.status != "skipped" for a in counted),
            scores={a.id: a.score for a in result.assignments},
        )
        key = (-standing.score, _last_if_none(standing.accuracy, "high"), _last_if_none(standing.train_s, "low"))
        items.append((key, standing))
    return _assign_ranks(items)


def rank_assignment(results: Sequence[SubmissionResult], assignment_id: str) -> list[Standing]:
    """One assignment's board: submissions that have a result for it, by score, accuracy, time to accuracy."""
    items = []
    for result in results:
        a = next((x for x in result.assignments if x.id == assignment_id), None)
        if a is None:
            continue
        standing = Standing(
            rank=0, submission=result.submission, name=result.submission, score=a.score, max_score=a.max_score,
            accuracy=figure(a, "accuracy"), train_s=figure(a, "train_s"),
            passed=int(a.status == "passed"), graded=int(a.status != "skipped"), scores={a.id: a.score},
            status=a.status, time_to_accuracy_s=figure(a, "time_to_accuracy_s"),
            bench_cpu_s=figure(a, "bench_cpu_s"), bench_gpu_s=figure(a, "bench_gpu_s"),
        )
        speed = standing.time_to_accuracy_s if standing.time_to_accuracy_s is not None else standing.train_s
        key = (-standing.score, _last_if_none(standing.accuracy, "high"), _last_if_none(speed, "low"))
        items.append((key, standing))
    return _assign_ranks(items)


# -- pseudonyms ---------------------------------------------------------------------------------------------

ADJECTIVES = (
    "Amber", "Bold", "Brave", "Bright", "Calm", "Clever", "Cosmic", "Crisp", "Curious", "Daring", "Eager",
    "Fair", "Gentle", "Golden", "Happy", "Keen", "Kind", "Lively", "Lucky", "Mellow", "Merry", "Nimble",
    "Noble", "Quick", "Quiet", "Rapid", "Silver", "Steady", "Sunny", "Swift", "Witty", "Zesty",
)
ANIMALS = (
    "Badger", "Beaver", "Bison", "Crane", "Dolphin", "Eagle", "Falcon", "Ferret", "Fox", "Gecko", "Heron",
    "Ibex", "Jaguar", "Koala", "Lemur", "Lynx", "Marten", "Moose", "Narwhal", "Ocelot", "Otter", "Owl",
    "Panda", "Puffin", "Quokka", "Raven", "Seal", "Stoat", "Tapir", "Tiger", "Walrus", "Wombat",
)


def pseudonym(name: str, secret: str, digits: int = 4) -> str:
    """``"Swift-Otter-7f3a"``: stable for (name, secret), and reveals nothing of the name without the secret."""
    digest = hmac.new(secret.encode(), name.encode("utf-8"), hashlib.sha256).digest()
    return f"{ADJECTIVES[digest[0] % len(ADJECTIVES)]}-{ANIMALS[digest[1] % len(ANIMALS)]}-{digest[2:].hex()[:digits]}"


def pseudonyms(names: Iterable[str], secret: str) -> dict[str, str]:
    """Pseudonyms for a class; the rare names that collide get a longer hex suffix, so all are distinct."""
    names = sorted(set(names))
    mapping = {n: pseudonym(n, secret) for n in names}
    counts: dict[str, int] = {}
    for p in mapping.values():
        counts[p] = counts.get(p, 0) + 1
    for n, p in mapping.items():
        if counts[p] > 1:
            mapping[n] = pseudonym(n, secret, digits=16)
    return mapping


def anonymize(standings: list[Standing], secret: str) -> list[Standing]:
    """Replace display names (and submission ids) by pseudonyms, in place; returns the list."""
    mapping = pseudonyms((s.submission for s in standings), secret)
    for s in standings:
        s.name = s.submission = mapping[s.submission]
    return standings


# -- columns and rendering ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A board column: ``key`` names it in CSV/JSON and in ``#sort=KEY``; ``better`` gives the natural order."""

    key: str
    label: str
    kind: str = "num"  # "num" or "text"
    better: str = "high"  # "high": descending first; "low": ascending first
    #: Hidden on narrow screens (the HTML page), where another column already says it.
    optional: bool = False

    def value(self, s: Standing) -> Any:
        if self.key == "percent":
            return s.percent
        if self.key.startswith("a:"):
            return s.scores.get(self.key[2:])
        return getattr(s, self.key)


def class_columns(assignment_ids: Sequence[str] = ()) -> list[Column]:
    cols = [
        Column("rank", "#", better="low"),
        Column("name", "Student", kind="text", better="low"),
        Column("score", "Score"),
        Column("max_score", "Max", optional=True),
        Column("percent", "%"),
        Column("passed", "Passed"),
        Column("accuracy", "Accuracy"),
        Column("train_s", "Train time (s)", better="low"),
    ]
    return cols + [Column(f"a:{aid}", aid) for aid in assignment_ids]


def assignment_columns() -> list[Column]:
    return [
        Column("rank", "#", better="low"),
        Column("name", "Student", kind="text", better="low"),
        Column("status", "Status", kind="text", better="low"),
        Column("score", "Score"),
        Column("max_score", "Max", optional=True),
        Column("accuracy", "Accuracy"),
        Column("time_to_accuracy_s", "Time to accuracy (s)", better="low"),
        Column("train_s", "Train time (s)", better="low"),
        Column("bench_cpu_s", "CPU time (s)", better="low"),
        Column("bench_gpu_s", "GPU time (s)", better="low"),
    ]


def _text(col: Column, value: Any, standing: Standing | None = None) -> str:
    if col.key == "passed" and standing is not None:
        return f"{standing.passed}/{standing.graded}"
    if value is None:
        return DASH
    if isinstance(value, float):
        if col.key == "accuracy":
            return f"{value:.4f}"
        return f"{value:g}" if col.key in ("score", "max_score", "percent") or col.key.startswith("a:") \
            else f"{value:.2f}"
    return str(value)


@dataclass
class Board:
    """What a renderer needs: the rows, their columns, and the heading (course name, date, assignment)."""

    standings: list[Standing]
    columns: list[Column]
    course: str
    generated_at: str
    assignment: str | None = None
    results_as_of: str | None = None

    @property
    def title(self) -> str:
        return f"{self.course} — {self.assignment}" if self.assignment else self.course


def _json_row(board: Board, s: Standing) -> dict[str, Any]:
    row = {c.key: c.value(s) for c in board.columns if not c.key.startswith("a:")}
    if board.assignment is None:
        row["scores"] = s.scores
    return row


def render(board: Board, fmt: str) -> str:
    """The board as text in ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "json":
        return json.dumps({
            "course": board.course, "assignment": board.assignment, "generated_at": board.generated_at,
            "results_as_of": board.results_as_of, "standings": [_json_row(board, s) for s in board.standings],
        }, indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(csv_row(c.key.removeprefix("a:") for c in board.columns))
        for s in board.standings:
            writer.writerow(csv_row("" if (v := c.value(s)) is None else v for c in board.columns))
        return out.getvalue()
    if fmt == "html":
        return render_html(board)
    cell = markdown_text if fmt == "md" else terminal
    rows = [[cell(_text(c, c.value(s), s)) for c in board.columns] for s in board.standings]
    headers = [c.label for c in board.columns]
    align = ["left" if c.kind == "text" else "right" for c in board.columns]
    if fmt in ("md", "table"):
        heading = (f"# {markdown_text(board.title)}\n\nGenerated {board.generated_at}\n\n" if fmt == "md"
                   else f"{terminal(board.title)}  ({board.generated_at})\n\n")
        table = tabulate(rows, headers, tablefmt="github" if fmt == "md" else "simple", disable_numparse=True,
                         colalign=align)
        return heading + table + "\n"
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


_CSS = """
:root{color-scheme:light dark;--bg:#fff;--fg:#1b1f24;--mut:#57606a;--line:#d0d7de;--head:#f6f8fa;--hi:#fff8c5}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--mut:#8d96a0;--line:#30363d;--head:#161b22;
--hi:#3b2e00}}
*{box-sizing:border-box}
body{margin:0;padding:1rem;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
background:var(--bg);color:var(--fg)}
h1{font-size:1.4rem;margin:0 0 .25rem}
.meta{color:var(--mut);margin:0 0 1rem;font-size:.9rem}
.wrap{overflow-x:auto;-webkit-overflow-scrolling:touch;border:1px solid var(--line);border-radius:8px}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{padding:.5rem .6rem;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
th.text,td.text{text-align:left}
thead th{background:var(--head);position:sticky;top:0}
th button{all:unset;cursor:pointer;font-weight:600}
th button:focus-visible{outline:2px solid #0969da;outline-offset:2px}
th[aria-sort=ascending] button::after{content:" \\25B2"}
th[aria-sort=descending] button::after{content:" \\25BC"}
td.name,th.name{position:sticky;left:0;background:var(--bg);font-weight:600}
thead th.name{background:var(--head)}
tbody tr[data-rank="1"] td{background:var(--hi)}
td.none{color:var(--mut)}
@media (max-width:600px){body{padding:.5rem;font-size:15px}th,td{padding:.4rem .45rem}.opt{display:none}}
"""

_JS = """
(function () {
  var table = document.getElementById('board');
  var body = table.tBodies[0];
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  function sortBy(key, dir) {
    var idx = -1;
    heads.forEach(function (h, i) { if (h.dataset.key === key) idx = i; });
    if (idx < 0) return false;
    var head = heads[idx];
    if (dir !== 'asc' && dir !== 'desc') dir = head.dataset.better === 'low' ? 'asc' : 'desc';
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[idx].dataset.v, y = b.cells[idx].dataset.v;
      var tie = a.dataset.i - b.dataset.i;
      if (x === '' || y === '') return x === y ? tie : (x === '' ? 1 : -1);
      var c = head.dataset.type === 'num' ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
      if (c === 0) return tie;
      return dir === 'desc' ? -c : c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    heads.forEach(function (h) { h.removeAttribute('aria-sort'); });
    head.setAttribute('aria-sort', dir === 'asc' ? 'ascending' : 'descending');
    table.dataset.sort = key + ':' + dir;
    return true;
  }
  function fromHash() {
    var m = /(?:^#|&)sort=([\\w:-]+)/.exec(location.hash);
    if (!m) return;
    var parts = m[1].split(':');
    sortBy(parts[0], parts[1]);
  }
  heads.forEach(function (h) {
    var button = h.querySelector('button');
    if (!button) return;
    button.addEventListener('click', function () {
      var current = h.getAttribute('aria-sort');
      var natural = h.dataset.better === 'low' ? 'asc' : 'desc';
      var dir = current ? (current === 'ascending' ? 'desc' : 'asc') : natural;
      sortBy(h.dataset.key, dir);
      if (history.replaceState) history.replaceState(null, '', '#sort=' + h.dataset.key + ':' + dir);
    });
  });
  window.addEventListener('hashchange', fromHash);
  fromHash();
})();
"""


def render_html(board: Board) -> str:
    """One self-contained page (inline CSS and JS, no network): sortable by header click or ``#sort=KEY[:asc|desc]``."""
    e = html_text
    heads = []
    for c in board.columns:
        cls = " ".join(x for x in ("name" if c.key == "name" else "", "text" if c.kind == "text" else "",
                                   "opt" if c.optional else "") if x)
        sort = ' aria-sort="ascending"' if c.key == "rank" else ""
        heads.append(f'<th scope="col" class="{cls}" data-key="{e(c.key)}" data-type="{c.kind}" '
                     f'data-better="{c.better}"{sort}><button type="button">{e(c.label)}</button></th>')
    rows = []
    for i, s in enumerate(board.standings):
        cells = []
        for c in board.columns:
            value = c.value(s)
            raw = "" if value is None else str(value)
            cls = " ".join(x for x in ("name" if c.key == "name" else "", "text" if c.kind == "text" else "",
                                       "opt" if c.optional else "", "none" if value is None else "") if x)
            cells.append(f'<td class="{cls}" data-v="{e(raw)}">{e(_text(c, value, s))}</td>')
        rows.append(f'<tr data-i="{i}" data-rank="{s.rank}" data-name="{e(s.name)}">{"".join(cells)}</tr>')
    as_of = f" · results as of {e(board.results_as_of)}" if board.results_as_of else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(board.title)} — leaderboard</title>
<style>{_CSS}</style>
</head>
<body>
<main>
<h1>{e(board.title)}</h1>
<p class="meta">Leaderboard · generated <time datetime="{e(board.generated_at)}">{e(board.generated_at)}</time>{as_of}
 · {len(board.standings)} submissions · tap a column heading to sort</p>
<div class="wrap">
<table id="board">
<thead><tr>{"".join(heads)}</tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>
</div>
</main>
<script>{_JS}</script>
</body>
</html>
"""


def assignment_ids(results: Sequence[SubmissionResult]) -> list[str]:
    """Every assignment id seen, in first-seen order (so the catalog's order survives)."""
    seen: dict[str, None] = {}
    for r in results:
        for a in r.assignments:
            seen.setdefault(a.id, None)
    return list(seen)
