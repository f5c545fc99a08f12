"""Hostile names and text through every output: a class graded by the real CLI, then every format read back.

The students choose their folder names (terminal escapes, a spreadsheet formula, HTML, two names that clean up
alike), the text of their errors, and notes they plant where the harness's own in-sandbox notes go. Each output
is checked from outside, the way its reader would take it: a terminal (no control characters), a spreadsheet
(no cell is a formula), an XML parser and junitparser, a browser (no tag or attribute the grader did not write),
a Markdown renderer (no link, image or raw HTML), Gradescope (valid JSON, one folder per student).
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from junitparser import JUnitXml
from markdown_it import MarkdownIt

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest_results import alice, populate

from harness.output.escape import csv_cell, file_name, markdown_text, terminal, unique_file_names, xml_text
from harness.results import AssignmentResult, SubmissionResult

ROOT = Path(__file__).resolve().parents[2]

ESCAPES = "\x1b]0;pwn\x07\x1b[2J"
#: Raised by the broken students' files: HTML, a Markdown link, a formula and terminal escapes in one message.
HOSTILE_MESSAGE = f"{ESCAPES}<img src=x onerror=alert(1)> [click](http://evil.example) =1+2"
PLANTED = f"GRADER: full marks, well done <script>alert(1)</script> {ESCAPES}"

CORRECT = """\
import numpy as np


def rnn_forward(inputs, W, U, b):
    state = np.zeros((W.shape[0],))
    outputs = []
    for x in inputs:
        state = np.tanh(W @ x + U @ state + b)
        outputs.append(state)
    return np.stack(outputs)
"""
WRONG = CORRECT.replace("np.tanh(", "(")
RAISES = f"raise ValueError({HOSTILE_MESSAGE!r})\n"
#: Finds the harness's output folder from the import's call stack and writes ``info.json`` notes there.
PLANTS = f"""\
import inspect
import json
from pathlib import Path

_frame = inspect.currentframe()
while _frame is not None:
    _out = _frame.f_locals.get("out")
    if isinstance(_out, Path):
        (_out / "info.json").write_text(json.dumps({{"notes": [{PLANTED!r}]}}))
        break
    _frame = _frame.f_back
""" + CORRECT

EVIL = f"{ESCAPES} evil"
FORMULA = '=HYPERLINK("http:\\\\evil.example","y")'  # no "/" in a folder name
HTML_NAME = "<img src=x onerror=alert(1)>"
STUDENTS = {EVIL: RAISES, FORMULA: CORRECT, "victim x": CORRECT, "victim_x": WRONG, HTML_NAME: PLANTS}
#: What a terminal acts on: C0 and C1 controls (ESC included), DEL. Newlines end lines, nothing more.
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Graded:
    folder: Path
    db: Path
    run: subprocess.CompletedProcess


def grader(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "harness", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Graded:
    tmp = tmp_path_factory.mktemp("hostile-names")
    folder = tmp / "class"
    for name, source in STUDENTS.items():
        (folder / name).mkdir(parents=True)
        (folder / name / "rnn_forward.py").write_text(source)
    db = tmp / "grader.sqlite"
    run = grader("run", str(folder), "-a", "rnn_forward", "--jobs", "1", "--db", str(db))
    return Graded(folder, db, run)


def _ok(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


class Tags(HTMLParser):
    """Every start tag and attribute a browser would build from a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(page)
    return parser.tags


def assert_inert(page: str, scripts: int = 0) -> None:
    """No tag the student wrote: no <img>/<a>/<iframe>, no event handler, only the page's own scripts."""
    found = tags(page)
    assert sum(t == "script" for t, _ in found) == scripts
    assert not [t for t, _ in found if t in ("img", "a", "iframe", "object", "embed", "svg")]
    assert not [a for _, attrs in found for a in attrs if a.startswith("on")]


def assert_terminal_safe(text: str) -> None:
    assert not CONTROL.search(text), repr(CONTROL.search(text).group())


def assert_csv_safe(text: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(text)))
    for row in rows:
        for cell in row:
            assert not CONTROL.search(cell.replace("\n", "")), cell
            assert not cell.startswith(FORMULA_START) or re.fullmatch(r"[+-]?[\d.]+(e[+-]?\d+)?", cell), cell
    return rows


def test_the_class_is_graded_and_the_terminal_sees_no_escape(graded: Graded) -> None:
    assert graded.run.returncode == 1, graded.run.stderr[-2000:]  # some failed: exit 1, nothing crashed
    out = graded.run.stdout
    assert_terminal_safe(out)
    assert_terminal_safe(graded.run.stderr)
    rows = {line.split()[0]: line for line in out.splitlines() if re.match(r"^\S.*\s\d+/\d+\s", line)}
    assert len(rows) == len(STUDENTS), out  # one row per student, the class summary
    assert "0/10" in rows["evil"] and "ValueError" in rows["evil"]  # its own error, its escapes gone
    assert "10/10" in rows["victim"] and "0/10" in rows["victim_x"]  # "victim x" passed, "victim_x" failed
    assert re.search(r"rnn_forward: 2 of 5 students failed", out)


def test_verbose_shows_every_assignment_and_the_planted_note_as_the_programs(graded: Graded) -> None:
    done = grader("run", str(graded.folder), "-a", "rnn_forward", "--jobs", "1", "--db", str(graded.db), "-v")
    assert done.returncode == 1
    assert_terminal_safe(done.stdout)
    assert "the sandboxed run reported: GRADER: full marks" in done.stdout
    assert not re.search(r"note: GRADER", done.stdout)


@pytest.mark.parametrize("fmt", ["table", "csv", "md", "html", "json"])
def test_leaderboard_in_every_format(graded: Graded, fmt: str) -> None:
    out = _ok(grader("leaderboard", "--db", str(graded.db), "--format", fmt))
    if fmt == "table":
        assert_terminal_safe(out)
        assert "victim x" in out and "victim_x" in out
    elif fmt == "csv":
        rows = assert_csv_safe(out)
        names = {row[1] for row in rows[1:]}
        assert "'" + FORMULA in names and terminal(EVIL) in names and len(rows) == len(STUDENTS) + 1
    elif fmt == "md":
        assert_inert(MarkdownIt("commonmark").enable("table").render(out))
        assert_terminal_safe(out)
    elif fmt == "html":
        assert_inert(out, scripts=1)  # the board's own sort script
        assert_terminal_safe(out)
    else:
        names = {s["name"] for s in json.loads(out)["standings"]}
        assert EVIL in names  # JSON carries the name exactly (escaped by the JSON encoder)


@pytest.mark.parametrize("fmt", ["md", "html"])
@pytest.mark.parametrize("student", [EVIL, HTML_NAME])
def test_report_escapes_and_quotes_the_student(graded: Graded, tmp_path: Path, fmt: str, student: str) -> None:
    target = tmp_path / f"report.{fmt}"
    _ok(grader("report", str(graded.folder / student), "--db", str(graded.db), "--output", str(target)))
    text = target.read_text()
    assert_terminal_safe(text)
    page = text if fmt == "html" else MarkdownIt("commonmark").enable("table").render(text)
    assert_inert(page)
    if student == HTML_NAME:  # the planted note: under the program's heading, never among the grader's notes
        assert "Reported by your program" in page and "<h3>Notes</h3>" not in page
        quoted = page.split("Reported by your program", 1)[1]
        assert "GRADER: full marks" in quoted and "&lt;script&gt;" in quoted
    else:
        assert "ValueError" in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_export_csv_and_junit(graded: Graded, tmp_path: Path) -> None:
    rows = assert_csv_safe(_ok(grader("export", "--db", str(graded.db), "--format", "csv")))
    assert {r[0] for r in rows[1:]} >= {"'" + FORMULA, "victim x", "victim_x"}
    junit = tmp_path / "grades.xml"
    _ok(grader("export", "--db", str(graded.db), "--format", "junit", "--output", str(junit)))
    suites = ET.parse(junit).getroot()
    assert {s.get("name") for s in suites} >= {terminal(EVIL), HTML_NAME, "victim x", "victim_x"}
    parsed = JUnitXml.fromfile(str(junit))
    assert sum(1 for _ in parsed) == len(STUDENTS)
    assert_terminal_safe(junit.read_text())


def test_gradescope_writes_every_student_and_reports_the_collision(graded: Graded, tmp_path: Path) -> None:
    done = grader("export", "--db", str(graded.db), "--format", "gradescope", "--output", str(tmp_path / "gs"))
    assert done.returncode == 0, done.stderr
    assert "'victim x'" in done.stderr and "'victim_x'" in done.stderr and "same folder name" in done.stderr
    assert_terminal_safe(done.stderr)
    folders = sorted(p.name for p in (tmp_path / "gs").iterdir())
    assert len(folders) == len(STUDENTS) and "victim_x" in folders
    scores = {}
    for name in folders:
        text = (tmp_path / "gs" / name / "results.json").read_text()
        doc = json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in results.json"))
        assert_terminal_safe(json.dumps(doc, ensure_ascii=False))
        scores[name] = doc["score"]
    victims = sorted(scores[n] for n in folders if n.startswith("victim_x"))
    assert victims == [0, 10]  # victim x passed, victim_x's wrong function failed: neither overwrote the other


def test_gradescope_refuses_infinity_and_writes_the_others(tmp_path: Path) -> None:
    good = alice(tmp_path)
    bad = SubmissionResult("mallory", str(tmp_path / "mallory"),
                           [AssignmentResult("simple_rnn", "passed", float("inf"), float("inf"))])
    db = populate(tmp_path / "g.sqlite", [good, bad])
    done = grader("export", "--db", str(db), "--format", "gradescope", "--output", str(tmp_path / "gs"))
    assert done.returncode == 1 and "mallory: not exported" in done.stderr and "not a finite number" in done.stderr
    assert [p.name for p in (tmp_path / "gs").iterdir()] == ["alice"]
    assert "Infinity" not in (tmp_path / "gs" / "alice" / "results.json").read_text()


# -- the escaping functions themselves ------------------------------------------------------------------------


def test_csv_cells_are_data_and_numbers_stay_numbers() -> None:
    assert [csv_cell(v) for v in ("=1+2", "+x", "-x", "@SUM(A1)", "\tx", "\rx")] == \
        ["'=1+2", "'+x", "'-x", "'@SUM(A1)", "'\tx", "x"]  # CR is a control character: dropped, then safe
    assert [csv_cell(v) for v in (3, -2.5, "-2.5", "+1e5", "a=b", None)] == [3, -2.5, "-2.5", "+1e5", "a=b", None]


def test_terminal_drops_whole_escape_sequences() -> None:
    assert terminal(f"{ESCAPES}x\x9b31my\u202ez\tw\n") == "xyz w "
    assert xml_text("a\x00\x1b[2Jb\ufffe") == "ab"


def test_markdown_text_does_nothing() -> None:
    page = MarkdownIt("commonmark").enable("table").render(
        "| x |\n|---|\n| " + markdown_text("![i](http://e/x.png) [l](http://e) <b>| `c` www.e.com") + " |\n")
    assert_inert(page)
    assert "<b>" not in page and "<code>" not in page and page.count("<td>") == 1


def test_file_names_are_unique_whatever_the_order() -> None:
    names = {"/c/victim x": "victim x", "/c/victim_x": "victim_x", "/c/..": "..", "/d/alice": "alice",
             "/e/alice": "alice", "/c/Bob": "Bob", "/c/bob": "bob"}
    chosen, collisions = unique_file_names(names)
    again, _ = unique_file_names(dict(reversed(list(names.items()))))
    assert chosen == again and len({v.lower() for v in chosen.values()}) == len(names)
    assert chosen["/c/victim_x"] == "victim_x" and chosen["/c/victim x"].startswith("victim_x-")
    assert sorted(map(sorted, collisions)) == [["/c/Bob", "/c/bob"], ["/c/victim x", "/c/victim_x"],
                                               ["/d/alice", "/e/alice"]]
    assert file_name("../../etc") == "etc" and file_name(EVIL) == "evil" and file_name("") == "submission"
