"""``from harness import check``: the grader's checks in the student's own kernel (README "For students").

The notebook test runs a real Jupyter kernel (this venv's Python, through a kernelspec in a temporary
JUPYTER_PATH) with nbclient, as a student's "Run All" would; the others call ``check`` in-process and compare
it with what ``grader run`` says about the same code.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from conftest import ROOT, by_id

from harness.catalog import load_catalog
from harness.checks import FUNCTION_CHECKS, MODEL_CHECKS
from harness.checks.functions import function_cases
from harness.pipeline.course import CourseError, load_course
from harness.results import Check
from harness.selfcheck import SelfCheck, check

keras = pytest.importorskip("keras")
layers = keras.layers


def simple_rnn(units: int = 32) -> keras.Model:
    """``simple_rnn`` as students write it: an unbuilt ``Sequential`` (the grader builds it)."""
    return keras.Sequential([layers.Embedding(10000, 32), layers.SimpleRNN(units)])


def rnn_forward_relu(inputs, W, U, b):  # the assignment's signature
    import numpy as np

    state, outputs = np.zeros((W.shape[0],)), []
    for x in inputs:
        state = np.maximum(0, W @ x + U @ state + b)
        outputs.append(state)
    return np.stack(outputs)


def _module(path: Path):
    spec = importlib.util.spec_from_file_location(f"student_{path.parent.name}_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_correct_model_passes_every_model_check() -> None:
    result = check("simple_rnn", simple_rnn())
    assert result.passed and result.status == "passed"
    assert result.score == result.max_score == 10
    assert tuple(c.name for c in result.checks) == MODEL_CHECKS
    assert any("built it with input shape" in note for note in result.notes)
    assert str(result).splitlines()[1] == "  ✔ layers: 2 layers: Embedding, SimpleRNN"


def test_a_wrong_model_fails_with_the_graders_reason() -> None:
    result = check("simple_rnn", simple_rnn(units=64))
    assert not result.passed and result.status == "failed"
    assert 0 < result.score < result.max_score
    failed = {c.name: c.message for c in result.checks if not c.passed}
    assert "parameters" in failed and "expected 2,080" in failed["parameters"]
    assert "  ✘ parameters: layer 2 SimpleRNN: 6,208 parameters, expected 2,080 (64 units instead of 32)" in \
        str(result).splitlines()


def test_the_students_own_model_is_left_as_it_was() -> None:
    """The functional check sets weights: it must do so on a copy, and an unbuilt model must stay unbuilt."""
    unbuilt = simple_rnn()
    check("simple_rnn", unbuilt)
    assert not unbuilt.built
    built = simple_rnn()
    built.build((None, None))
    before = [w.copy() for w in built.get_weights()]
    assert check("simple_rnn", built).passed
    assert all((a == b).all() for a, b in zip(before, built.get_weights()))


def test_build_model_itself_may_be_passed() -> None:
    assert check("simple_rnn", simple_rnn).passed


def test_what_the_grader_refuses_is_refused_here() -> None:
    """A Lambda layer cannot be loaded in safe mode: an error here as in the grade, never a pass."""
    model = keras.Sequential([keras.Input((None,), dtype="int32"), layers.Embedding(10000, 32),
                              layers.Lambda(lambda x: x * 1.0), layers.SimpleRNN(32)])
    result = check("simple_rnn", model)
    assert result.status == "error" and not result.passed and result.score == 0
    assert "cannot be loaded safely" in result.error and not result.checks
    assert check("simple_rnn", "not a model").status == "error"
    assert "pass the function rnn_forward" in check("rnn_forward", 42).error


def test_functions_are_checked_on_the_graders_cases() -> None:
    alice = _module(ROOT / "submissions" / "alice" / "rnn_forward.py")
    good = check("rnn_forward", alice.rnn_forward)
    assert good.passed and tuple(c.name for c in good.checks) == FUNCTION_CHECKS
    bad = check("rnn_forward", rnn_forward_relu)
    assert not bad.passed and bad.score == 0
    assert all("cases match:" in c.message for c in bad.checks)


def test_a_function_that_raises_names_its_line() -> None:
    def rnn_forward(inputs, W, U, b):
        return inputs @ W.T + undefined_name  # noqa: F821

    result = check("rnn_forward", rnn_forward)
    assert not result.passed
    assert "raised NameError: name 'undefined_name' is not defined at line" in result.checks[0].message


def test_unknown_assignment_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="did you mean simple_rnn"):
        check("simple_rnm", simple_rnn())


def test_self_check_agrees_with_grader_run(example_class: tuple[int, dict, Path]) -> None:
    """bob's files: the sandboxed grade (tests/conftest.py's ``example_class``) and the self-check on the same code
    give the same verdicts and messages."""
    code, report, _ = example_class
    assert code == 1
    graded = by_id(report, "bob")
    bob = ROOT / "submissions" / "bob"
    for assignment_id, name in (("imdb_lstm", "build_model"), ("gru_forward", "gru_forward")):
        mine = check(assignment_id, getattr(_module(bob / f"{assignment_id}.py"), name),
                     course=ROOT / "submissions" / "course.toml")  # the one `grader run submissions/bob` reads
        theirs = graded[assignment_id]
        assert mine.status == theirs["status"] == "failed"
        assert mine.score == theirs["score"]
        assert [(c.name, c.passed, c.message) for c in mine.checks] == \
            [(c["name"], c["passed"], c["message"]) for c in theirs["checks"]]


def test_instructor_hides_checks_in_course_toml(tmp_path: Path) -> None:
    (tmp_path / "course.toml").write_text('[selfcheck]\nhide = ["functional"]\n'
                                          "[assignments.simple_rnn]\npoints = 20\n")
    result = check("simple_rnn", simple_rnn(), course=tmp_path / "course.toml")
    assert [c.name for c in result.checks] == [n for n in MODEL_CHECKS if n != "functional"]
    assert result.hidden == ["functional"] and result.max_score == 20 and result.passed
    assert "hidden by your instructor (graded, not shown here): functional" in str(result)
    assert "functional" not in result._repr_html_().split("hidden by your instructor")[0]


@pytest.mark.parametrize("text, error", [
    ('[selfcheck]\nhide = ["functionall"]\n', "unknown check 'functionall'"),
    ('[selfcheck]\nhide = "functional"\n', "must be a list of check names"),
    ('[selfcheck]\nhidden = ["functional"]\n', "knows only hide"),
])
def test_course_toml_selfcheck_is_validated(tmp_path: Path, text: str, error: str) -> None:
    (tmp_path / "course.toml").write_text(text)
    with pytest.raises(CourseError, match=error):
        load_course(tmp_path)


def test_html_and_text_never_carry_markup_or_escapes() -> None:
    result = SelfCheck("simple_rnn", False, 0, 10, [Check("layers", False, "<script>alert(1)</script>\x1b[2J")],
                       notes=["<b>x</b>"])
    html = result._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;" in html
    assert "\x1b" not in str(result) and "\x1b" not in html


# -- a real Jupyter kernel -------------------------------------------------------------------------------------

NOTEBOOK_CELLS = [
    "import keras\nfrom keras import layers\nimport numpy as np\nfrom harness import check",
    "model = keras.Sequential([layers.Embedding(10000, 32), layers.SimpleRNN(32)])\ncheck('simple_rnn', model)",
    "wrong = keras.Sequential([layers.Embedding(10000, 32), layers.SimpleRNN(64)])\n"
    "print(check('simple_rnn', wrong))",
    "def rnn_forward(inputs, W, U, b):\n"
    "    state, outputs = np.zeros((W.shape[0],)), []\n"
    "    for x in inputs:\n"
    "        state = np.tanh(W @ x + U @ state + b)\n"
    "        outputs.append(state)\n"
    "    return np.stack(outputs)\n"
    "check('rnn_forward', rnn_forward)",
]


def test_check_in_a_real_notebook_kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    spec = tmp_path / "jupyter" / "kernels" / "grader-venv"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "grader venv", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in NOTEBOOK_CELLS])
    nbclient.NotebookClient(notebook, kernel_name="grader-venv", timeout=300,
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [cell.outputs for cell in notebook.cells]
    assert not [o for cell in outputs for o in cell if o.output_type == "error"]

    correct = next(o for o in outputs[1] if o.output_type == "execute_result")
    assert correct.data["text/plain"].splitlines()[0].startswith("simple_rnn: ✔ passed, 10/10")
    html = correct.data["text/html"]
    assert html.startswith("<table class='grader-selfcheck'>")
    assert html.count("<tr><td>✔</td>") == len(MODEL_CHECKS)

    printed = "".join(o.text for o in outputs[2] if o.output_type == "stream" and o.name == "stdout").splitlines()
    assert printed[0].startswith("simple_rnn: ✘ failed")
    assert "  ✔ layers: 2 layers: Embedding, SimpleRNN" in printed
    assert "  ✘ parameters: layer 2 SimpleRNN: 6,208 parameters, expected 2,080 (64 units instead of 32)" in printed

    function = next(o for o in outputs[3] if o.output_type == "execute_result")
    fixed, drawn = function_cases(load_catalog()["rnn_forward"])
    assert function.data["text/plain"].splitlines()[1:] == [
        f"  ✔ fixed_cases: {len(fixed)} of {len(fixed)} cases match the reference",
        f"  ✔ property_cases: {len(drawn)} of {len(drawn)} cases match the reference"]
    assert "<td>property_cases</td>" in function.data["text/html"]
