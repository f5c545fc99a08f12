"""``grader run --format github``: workflow commands GitHub Actions turns into annotations, and the job summary.

Student text is hostile: every line is checked as written, and a message or folder name crafted to end a
command early or start another (``\\n::add-mask::``, ``%0A``, ``:`` and ``,`` in a property) stays inert.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from conftest import ROOT, grader

from harness.output.github import command, escape_data, escape_property, job_summary, student_line, workflow_commands
from harness.results import AssignmentResult, Check, SubmissionResult

BOB = ROOT / "submissions" / "bob"


def test_message_escapes_percent_cr_lf() -> None:
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_data("a%0Ab") == "a%250Ab"  # an already-escaped newline is not decoded by GitHub into one
    assert escape_data("keep: colons, commas") == "keep: colons, commas"


def test_property_also_escapes_colon_and_comma() -> None:
    assert escape_property("bob: a,b%\n") == "bob%3A a%2Cb%25%0A"


def test_control_characters_and_terminal_escapes_are_removed() -> None:
    assert escape_data("red\x1b[31m text\x07\x00 end\u202e") == "red text end"
    assert escape_data("tab\there") == "tab here"


def test_command_line_shape() -> None:
    assert command("error", "msg", file="a.py", line=None, title="t") == "::error file=a.py,title=t::msg"
    assert command("notice", "m") == "::notice::m"


def _result(name: str, message: str, reason: str = "") -> SubmissionResult:
    failed = AssignmentResult.from_checks("imdb_lstm", 10, [Check("layers", True, "ok"),
                                                            Check("parameters", False, message)],
                                          file="imdb_lstm.py")
    errored = AssignmentResult(id="jena_dense", status="error", max_score=10, file="jena_dense.py", reason=reason,
                               checks=[Check("runs", False, reason)])
    missing = AssignmentResult(id="simple_rnn", status="missing", max_score=10, reason="no simple_rnn.py")
    return SubmissionResult(submission=name, path=f"class/{name}", assignments=[failed, errored, missing])


def test_hostile_text_cannot_start_a_command(tmp_path: Path) -> None:
    result = _result("eve,x:y", "wrong\n::add-mask::secret\r\n::stop-commands::tok %0A",
                     reason="ValueError: 1,2:3\n::error::fake (jena_dense.py:7)")
    lines = workflow_commands([result, _result("bob", "expected 8,320")], cwd=tmp_path).splitlines()
    assert lines[:3] == [
        "::error file=class/eve%2Cx%3Ay/imdb_lstm.py,title=eve%2Cx%3Ay%3A imdb_lstm parameters::"
        "wrong%0A::add-mask::secret%0D%0A::stop-commands::tok %250A",
        "::error file=class/eve%2Cx%3Ay/jena_dense.py,line=7,title=eve%2Cx%3Ay%3A jena_dense error::"
        "ValueError: 1,2:3%0A::error::fake (jena_dense.py:7)",
        "grader: eve,x:y 5/30 — 0 passed, 1 failed, 1 error",
    ]
    assert lines[3] == "::error file=class/bob/imdb_lstm.py,title=bob%3A imdb_lstm parameters::expected 8,320"
    assert all(line.startswith(("::error ", "::notice ", "::warning ", "grader: ")) for line in lines)
    assert not any("\r" in line for line in lines)


def test_a_folder_name_cannot_forge_a_plain_command_line(tmp_path: Path) -> None:
    line = workflow_commands([SubmissionResult("::error::x\n::y", "s", [])], cwd=tmp_path).splitlines()
    assert line == ["grader: ::error::x ::y 0/0 — 0 passed, 0 failed, 0 error"]


def test_line_is_given_only_where_the_grader_placed_it() -> None:
    a = AssignmentResult(id="x", status="error", max_score=1, file="x.py", reason="NameError: y (x.py:12)")
    assert student_line(a) == 12
    a.reason = "NameError: mentions other_x.py:5 only"
    assert student_line(a) is None
    a.file, a.reason = "week5/x.py", "ran week5/x.py as a script; graded the model built at week5/x.py:35"
    assert student_line(a) == 35
    a.file, a.reason = "x.ipynb", "cell 3 raised NameError (x.ipynb, cell 3, line 2)"
    assert student_line(a) is None


def test_job_summary_is_inert_markdown() -> None:
    text = job_summary([_result("eve|<b>", "[link](http://evil) | `code`")])
    assert "### eve\\|&lt;b&gt;: 5 / 30" in text.splitlines()
    row = next(line for line in text.splitlines() if line.startswith("| imdb_lstm "))
    assert row.count(" | ") == 4  # the student's "|" does not add a column
    assert "\\[link\\]" in row and "http\\://evil" in row
    assert "1 assignment(s) not submitted." in text


def test_grader_run_format_github(tmp_path: Path) -> None:
    """As in CI: annotations line by line, the job summary appended, exit status 1 for failures."""
    student = tmp_path / "class" / "bob,x:y%"
    student.mkdir(parents=True)
    for name in ("simple_rnn.py", "imdb_lstm.py", "jena_dense.py"):
        shutil.copy(BOB / name, student / name)
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    done = grader("run", str(student), "-a", "simple_rnn", "-a", "imdb_lstm", "-a", "jena_dense",
                  "--format", "github", "--jobs", "1", cwd=tmp_path,
                  env={"GITHUB_STEP_SUMMARY": str(summary), "GRADER_DB": str(tmp_path / "g.sqlite")})
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    folder = "class/bob%2Cx%3Ay%25"
    syntax_line = next(n for n, text in enumerate((BOB / "jena_dense.py").read_text().splitlines(), 1)
                       if text.startswith("print "))
    assert lines[0] == f"::notice file={folder}/simple_rnn.py,title=simple_rnn passed::passed: 10/10"
    parameters = next(line for line in lines if "title=imdb_lstm parameters::" in line)
    assert parameters == (f"::error file={folder}/imdb_lstm.py,title=imdb_lstm parameters::layer 2 LSTM: 24,832 "
                          "parameters, expected 8,320 (64 units instead of 32); layer 3 Dense: 65 parameters, "
                          "expected 33")
    assert any(line.startswith(f"::error file={folder}/jena_dense.py,line={syntax_line},title=jena_dense error::"
                               "SyntaxError: ") for line in lines)
    assert lines[-1] == "grader: bob,x:y% 13.33/30 — 1 passed, 1 failed, 1 error"
    written = summary.read_text().splitlines()
    assert written[0] == "earlier step" and written[1] == "### bob,x:y%: 13.33 / 30"
    assert any(line.startswith("| imdb_lstm | ✘ failed | 3.33/10 | 344,897 / 328,353 | output_shapes: ")
               for line in written)
