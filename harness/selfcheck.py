"""``check("imdb_lstm", model)``: the grader's own checks on the object in hand, in the student's notebook.

Why: students work in Jupyter and want to know before they submit whether the model they just built is the one
asked for. Waiting for the instructor's batch run to learn that an LSTM has 64 units instead of 32 is the slow
way; Otter-Grader's best-loved feature is exactly this call.

What runs is what the grader runs, never a copy of it: a model is serialised and read back through the grader's
config gate in Keras' safe mode (:func:`harness.checks.evaluate.read_model`), built with the assignment's input shape
when left unbuilt (the sandbox's own ``ensure_built``), and checked by :func:`harness.checks.evaluate.model_checks`; a
function is called on the assignment's fixed and hypothesis-drawn cases and judged by
:func:`harness.checks.functions.check_values`. So a model with a ``Lambda`` layer or a custom class fails here as
it fails the grade, and a passing self-check means the structural grade passes too (the instructor's points and
any training checks aside).

**No sandbox.** The student's code already runs in their own kernel on their own machine; the self-check runs
nothing more of it than the object handed in (a function is called on the test cases, with copies of the
arguments). It is a courtesy, not the grade: a student can change anything in their own process. It shows only
the grader's verdicts and messages, never reference code or data the student does not already have; checks the
instructor lists in ``course.toml`` (``[selfcheck] hide = ["functional"]``) are neither shown nor scored here.
"""

from __future__ import annotations

import copy
import difflib
import itertools
import json
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.catalog import FunctionAssignment, ModelAssignment, load_catalog
from harness.output import escape
from harness.pipeline.course import load_course
from harness.pipeline.scoring import apply_policy
from harness.results import AssignmentResult, Check

__all__ = ["SelfCheck", "check"]


@dataclass
class SelfCheck:
    """The outcome of :func:`check`: ``passed``, ``score`` out of ``max_score``, and the ``checks`` shown.

    Renders as a compact HTML table in Jupyter (``_repr_html_``) and as lines of text in a terminal (``str``).
    """

    assignment: str
    passed: bool
    score: float
    max_score: float
    checks: list[Check] = field(default_factory=list)
    #: The grader's notes (an accepted variant, the input shape it built an unbuilt model with).
    notes: list[str] = field(default_factory=list)
    #: Checks the instructor hides from self-check (course.toml): run by the grader, not here.
    hidden: list[str] = field(default_factory=list)
    #: Why the object could not be checked at all (then ``checks`` is empty).
    error: str = ""
    seconds: float = 0.0

    @property
    def status(self) -> str:
        return "error" if self.error else "passed" if self.passed else "failed"

    def headline(self) -> str:
        mark = "✔" if self.passed else "‼" if self.error else "✘"
        return (f"{self.assignment}: {mark} {self.status}, {self.score:g}/{self.max_score:g} on this self-check "
                f"(the grade is the instructor's run)")

    def lines(self) -> list[str]:
        """One line per check (``✔ layers: …``), then the error, the notes and what is hidden."""
        out = [f"  {'✔' if c.passed else '✘'} {c.name}: {escape.plain(c.message, newlines=False)}"
               for c in self.checks]
        if self.error:
            out.append(f"  ‼ {escape.plain(self.error, newlines=False)}")
        out += [f"  note: {escape.plain(note, newlines=False)}" for note in self.notes]
        if self.hidden:
            out.append(f"  hidden by your instructor (graded, not shown here): {', '.join(self.hidden)}")
        return out

    def __str__(self) -> str:
        return "\n".join([self.headline(), *self.lines()])

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        """A compact table: one row per check; every text escaped (messages quote the student's layer names)."""
        colour = {"passed": "#1a7f37", "failed": "#cf222e", "error": "#9a6700"}[self.status]
        rows = "".join(
            f"<tr><td>{'✔' if c.passed else '✘'}</td><td>{escape.html_text(c.name)}</td>"
            f"<td style='text-align:left'>{escape.html_text(c.message)}</td></tr>" for c in self.checks)
        if self.error:
            rows += f"<tr><td>‼</td><td>error</td><td style='text-align:left'>{escape.html_text(self.error)}</td></tr>"
        extra = [f"note: {escape.html_text(n)}" for n in self.notes]
        if self.hidden:
            extra.append("hidden by your instructor (graded, not shown here): " + escape.html_text(", ".join(
                self.hidden)))
        foot = f"<tfoot><tr><td colspan='3' style='text-align:left'>{'<br>'.join(extra)}</td></tr></tfoot>" \
            if extra else ""
        return (f"<table class='grader-selfcheck'><caption style='text-align:left'><b>"
                f"{escape.html_text(self.assignment)}</b>: <span style='color:{colour}'>{self.status}</span>, "
                f"{self.score:g}/{self.max_score:g} on this self-check</caption>"
                f"<thead><tr><th></th><th>check</th><th style='text-align:left'>message</th></tr></thead>"
                f"<tbody>{rows}</tbody>{foot}</table>")


def check(assignment_id: str, obj: Any, *, course: str | Path | None = None) -> SelfCheck:
    """Run the grader's structural and functional checks (or its function checks) on ``obj``, here and now.

    ``obj`` is the Keras model (or the ``build_model`` function) for a model assignment, the function itself for
    a function assignment: ``check("imdb_lstm", model)``, ``check("rnn_forward", rnn_forward)``. ``course`` is
    the instructor's ``course.toml`` (default: ``./course.toml`` if there is one): its points set ``max_score``
    and its ``[selfcheck] hide`` list keeps chosen checks out of the result.

    Runs in the caller's own process, without the grader's sandbox (see the module docstring). Raises
    ``ValueError`` for an unknown assignment id; anything wrong with ``obj`` is the result's ``error``.
    """
    started = time.perf_counter()
    catalog = load_catalog()
    if assignment_id not in catalog:
        close = difflib.get_close_matches(str(assignment_id), list(catalog), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; `grader list` shows the ids"
        raise ValueError(f"unknown assignment {assignment_id!r}{hint}")
    assignment = catalog[assignment_id]
    policy = load_course(course)
    if isinstance(assignment, ModelAssignment):
        checks, notes, error = _check_model(assignment, obj)
    else:
        checks, notes, error = _check_function(assignment, obj)
    seconds = round(time.perf_counter() - started, 3)
    if error:
        return SelfCheck(assignment.id, False, 0.0, policy.points(assignment.id), notes=notes, error=error,
                         seconds=seconds)
    shown = [c for c in checks if c.name not in policy.selfcheck_hide]
    hidden = [c.name for c in checks if c.name in policy.selfcheck_hide]
    # the grader's one scorer, with the course's points and weights (no deadline: nothing was handed in)
    graded = apply_policy(AssignmentResult.from_checks(assignment.id, assignment.points, shown), policy)
    if not shown:
        notes.append("every check of this assignment is hidden from self-check by your instructor")
    return SelfCheck(assignment.id, graded.status == "passed", graded.score, graded.max_score, shown,
                     [*notes, *graded.notes], hidden, seconds=seconds)


def _check_model(assignment: ModelAssignment, obj: Any) -> tuple[list[Check], list[str], str]:
    """The model as the grader would receive it from the sandbox: built with the assignment's input shape if left
    unbuilt, its config through the config gate and Keras' safe mode, fresh weights (the student's own model is
    neither built nor changed: the checks run on a copy)."""
    import keras

    from harness.checks.config_gate import ConfigRefused
    from harness.checks.evaluate import model_checks, read_model
    from harness.sandbox.jail.scripts import ensure_built

    model = obj
    if not isinstance(model, keras.Model) and callable(model):
        model = model()  # check("imdb_lstm", build_model): the grader calls it too
    if not isinstance(model, keras.Model):
        got = "None (is `return model` missing?)" if model is None else f"a {type(model).__name__}"
        return [], [], f"{assignment.id} is a model assignment: pass the Keras model (or build_model), not {got}"
    unsafe = "its model cannot be loaded safely (Lambda layers and custom classes are not gradable): "
    try:
        config = json.loads(model.to_json())
        config["compile_config"] = None  # as the sandbox saves it: a misspelt loss does not void the structure
        student = keras.saving.deserialize_keras_object(config, safe_mode=True)
    except Exception as exc:  # what the grader's safe-mode load refuses, said the same way
        return [], [], unsafe + _first_line(exc)
    usable, note = ensure_built(student, {"batch_shape": list(assignment.batch_shape),
                                          "dtype": assignment.input_dtype})
    if not usable:
        return [], [], f"the model {note}"
    config = json.loads(student.to_json())
    config["compile_config"] = None
    with tempfile.TemporaryDirectory(prefix="grader-selfcheck-") as folder:
        path = Path(folder) / "model.json"
        path.write_text(json.dumps(config))
        try:
            student = read_model(path)
        except ConfigRefused as exc:
            return [], [], str(exc)
        except Exception as exc:
            return [], [], unsafe + _first_line(exc)
    checked = model_checks(assignment, student)
    return checked.checks, [*([note] if note else []), *checked.notes], ""


def _check_function(assignment: FunctionAssignment, function: Any) -> tuple[list[Check], list[str], str]:
    """The function called on the grader's cases, its returns turned into arrays as the sandbox turns them."""
    from harness.checks import functions
    from harness.sandbox.jail import tasks

    if not callable(function):
        return [], [], (f"{assignment.id} is a function assignment: pass the function {assignment.function} itself, "
                        f"not a {type(function).__name__}")
    fixed, drawn = functions.function_cases(assignment)
    cases = [*fixed, *drawn]
    notes: list[str] = []
    extra = _module_arguments(function, assignment, cases, notes)
    values: dict[str, Any] = {}
    errors: dict[str, dict[str, str]] = {}
    for index, case in enumerate(cases):
        key = f"c{index}"
        args, kwargs = copy.deepcopy(case.args), copy.deepcopy(case.kwargs)  # the cases are shared with the reference
        try:
            value = function(*args, **kwargs, **extra)
            arrays: dict[str, Any] = {}
            if assignment.output.startswith("generator:"):
                items = itertools.islice(value, int(assignment.output.split(":")[1]))
                layout: Any = [tasks._flatten(item, f"{key}.{i}", arrays) for i, item in enumerate(items)]
            else:
                layout = tasks._flatten(value, key, arrays)
            values[key] = functions._rebuild(layout, arrays)
        except Exception as exc:  # one case that raises must not hide the others
            errors[key] = {"message": _first_line(exc, with_type=True), "where": _where(exc, function)}
    return functions.check_values(assignment, fixed, drawn, values, errors), notes, ""


def _module_arguments(function: Any, assignment: FunctionAssignment, cases: list[Any], notes: list[str]) \
        -> dict[str, Any]:
    """The grader's rule for ``seq2dataset(seq, window_size, code2idx)`` (extra required parameters named after
    module-level values), with the function's own globals as the module: the notebook's ``code2idx``."""
    from types import ModuleType

    from harness.sandbox.jail import run_state, tasks

    module = ModuleType("student")  # what the function's own module holds, as the child would see it
    module.__dict__.update(getattr(function, "__globals__", {}))
    task = {"function": assignment.function, "cases": [(c.args, c.kwargs) for c in cases[:1]]}
    extra = tasks._module_arguments(function, module, task)
    said = run_state.NOTES.pop(f"arguments:{assignment.function}", None)
    if said:
        notes.append(said)
    return extra


def _first_line(exc: BaseException, with_type: bool = False) -> str:
    text = (str(exc).strip().splitlines() or [""])[0][:300]
    return f"{type(exc).__name__}: {text}".rstrip(": ") if with_type or not text else text


def _where(exc: BaseException, function: Any) -> str:
    """``line N``: the innermost line of the student's function's own file (a notebook cell) that raised."""
    own = getattr(getattr(function, "__code__", None), "co_filename", None)
    lines = [frame.lineno for frame in traceback.extract_tb(exc.__traceback__) if frame.filename == own]
    return f"line {lines[-1]}" if lines else ""
