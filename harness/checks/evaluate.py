"""Turn what a sandboxed job produced into an :class:`AssignmentResult`, on the trusted side.

Nothing the child says is believed: its exit status and ``error.json`` only shape the *message* of an
``error``; verdicts come from loading its ``model.keras`` in Keras' safe mode (or its plain-array outputs)
and checking them here against the reference.
"""

from __future__ import annotations

import functools
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.catalog import Assignment, Case, FunctionAssignment, ModelAssignment
from harness.checks import functions, references, registry, structure
from harness.checks.config_gate import ConfigRefused
from harness.checks.layers import LayerView, views
from harness.results import AssignmentResult, Check
from harness.sandbox import Limits, Outcome
from harness.sandbox.jail import protocol
from harness.sandbox.jail.protocol import clean_text

MAX_MODEL_BYTES = protocol.FILES["model.keras"].max_bytes


def model_task(assignment: ModelAssignment, file: str, seed: int, *, short_circuit: bool = True,
               data: dict[str, str] | None = None, save: str = "keras") -> dict[str, Any]:
    """The child's task. A file without ``build_model()`` runs as a script (``sandbox/jail/scripts.py``): with
    ``short_circuit`` its fit/evaluate/predict/plots return at once; ``reference`` lets it pick, among the models
    the script builds, the one meant for this assignment; ``data`` names served data files (else placeholders);
    ``save``: ``keras`` for the whole model, ``config`` for its architecture only (what structural checks need)."""
    return {"kind": "model", "file": file, "entry": assignment.entry_point, "batch_shape": list(assignment.batch_shape),
            "dtype": assignment.input_dtype, "seed": seed, "short_circuit": short_circuit,
            "reference": reference_fingerprint(assignment), "data": dict(data or {}), "save": save}


def read_model(path: Path) -> Any:
    """A model from a job's ``model.json`` (its config: built with fresh weights) or ``model.keras``, in safe mode.

    The config passes :mod:`harness.checks.config_gate` first (the archive's ``config.json`` read from the zip by
    the gate itself): :class:`~harness.checks.config_gate.ConfigRefused` when it does not, and Keras never sees it.
    """
    import keras

    from harness.checks import config_gate

    bounds = config_gate.catalog_bounds()
    if path.suffix == ".json":
        config = config_gate.read_json_config(path, bounds)
        config["compile_config"] = None
        model = keras.saving.deserialize_keras_object(config, safe_mode=True)
        if not isinstance(model, keras.Model):
            raise ValueError(f"model.json describes a {type(model).__name__}, not a Keras model")
    else:
        config_gate.read_keras_config(path, bounds, MAX_MODEL_BYTES)
        model = keras.saving.load_model(path, safe_mode=True, compile=False)
    if int(model.count_params()) > bounds.max_params:  # the gate's count is a lower bound; this one is exact
        raise config_gate.ConfigRefused(f"the model has {int(model.count_params()):,} parameters, more than the "
                                        f"grader's bound of {bounds.max_params:,} (20× the largest reference model)")
    return model


def reference_fingerprint(assignment: ModelAssignment) -> dict[str, Any]:
    """Layer classes, output shapes and parameter counts of the seed's model, and the accepted totals: no secret,
    the seed prints them, and no model has to be built to send them. The shapes tell ``SimpleRNN(32)`` from
    ``SimpleRNN(32, return_sequences=True)``, which have the same parameters."""
    totals = [t for t in (assignment.total_params, *(v.total_params for v in assignment.variants)) if t]
    return {"layers": [[figure.cls, figure.params] for figure in assignment.figures], "totals": totals,
            "shapes": [list(figure.output_shape) for figure in assignment.figures]}


def function_task(assignment: FunctionAssignment, file: str, cases: list[Case], seed: int) -> dict[str, Any]:
    """``signature``/``returns`` word what to write when the file defines no such function (the reference's)."""
    signature, returns = function_contract(assignment.id)
    return {"kind": "function", "file": file, "function": assignment.function, "output": assignment.output,
            "cases": [(case.args, case.kwargs) for case in cases], "seed": seed, "signature": signature,
            "returns": returns}


@functools.cache
def function_contract(assignment_id: str) -> tuple[str, str]:
    """``rnn_forward(inputs, W, U, b)`` and what it returns on the first case: "an array of shape (100, 64) for
    the seed's sizes: ..." (from the reference itself, so it cannot drift from what is graded)."""
    import inspect

    import numpy as np

    from harness.catalog import load_catalog

    assignment = load_catalog()[assignment_id]
    assert isinstance(assignment, FunctionAssignment)  # a contract is a function's
    signature = f"{assignment.function}{inspect.signature(assignment.reference)}"
    try:
        case = assignment.cases()[0]
        value = assignment.reference(*case.args, **case.kwargs)
        if assignment.output.startswith("generator:"):
            item = next(iter(value))
            parts = item if isinstance(item, tuple) else (item,)
            returns = f"a generator yielding batches of shapes {' and '.join(str(np.shape(p)) for p in parts)}"
        else:
            returns = f"an array of shape {np.shape(value)}"
        return signature[:1000], (f"{returns} for {case.label}" if case.label else returns)[:1000]
    except Exception:  # noqa: BLE001 - the wording is a courtesy; the grading does not depend on it
        return signature[:1000], ""


def failure_reason(outcome: Outcome, limits: Limits) -> str | None:
    """Why a job produced nothing usable, in the words the feedback uses; ``None`` if it ended normally.

    Decided from what the zygote observed (signals, time, memory, files refused on the way out, the sandboxed
    safe-mode load); ``error.json`` from the child only words the message of a job that failed anyway.
    """
    error = _child_error(outcome.out)
    said = f"{outcome.output_tail}\n{error.get('type', '')}"
    if outcome.worker_died:
        return "the submission killed the grading worker (its parent process); the worker was restarted"
    if outcome.worker_error:
        return f"the grading worker failed on this submission ({clean_text(outcome.worker_error, 200)})"
    if outcome.timed_out:
        return f"timed out after {limits.wall_s:g} s"
    used_kb = max(outcome.vm_peak_kb - outcome.vm_base_kb, outcome.peak_memory_kb, outcome.max_rss_kb)
    near_limit = used_kb * 1024 > 0.8 * limits.memory_bytes
    allocation_failed = any(mark in said for mark in ("MemoryError", "bad_alloc", "Resource exhausted", "OOM when"))
    if outcome.memory_exceeded or error.get("type") == "MemoryError" or (
            outcome.signal in (signal.SIGKILL, signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS)
            and (near_limit or allocation_failed)):
        return f"used more than {limits.describe_memory()} of memory, counting shared memory"
    if outcome.nproc_exceeded:
        return f"started more than {limits.nproc} processes"
    if outcome.signal == signal.SIGXCPU:
        return f"exceeded {limits.cpu_s} s of CPU time"
    if outcome.signal == signal.SIGXFSZ:
        return f"wrote a file larger than {limits.file_bytes // 2**20} MiB"
    if outcome.signal is not None:
        try:
            name = signal.Signals(outcome.signal).name
        except ValueError:
            name = "unknown"
        return f"killed by signal {outcome.signal} ({name})"
    refused = sorted((r for r in outcome.refused if _fails(r)), key=lambda r: protocol.OUTPUT_FILES.index(
        r.split(" ", 1)[0]))
    if refused:  # a file the grader reads that failed protocol.py's declaration fails the assignment
        name, _, why = refused[0].partition(" (")
        if why.startswith("malformed: "):
            return clean_text(f"{name} from the sandbox is malformed: {why[len('malformed: '):].removesuffix(')')}; "
                              "the assignment is not graded", 400)
        return f"the grader refused its output: {clean_text('; '.join(refused), 300)}"
    if outcome.preflight and not outcome.preflight.get("ok", True):
        why = clean_text(str(outcome.preflight.get("reason")), 300)
        return f"its saved model failed the sandboxed safe-mode load: {why}"
    if error:
        where = f" ({error['where']})" if error.get("where") else ""
        hint = f" — {error['hint']}" if error.get("hint") else ""
        return clean_text(f"{error.get('message', 'error')}{where}{hint}", 800)
    if outcome.exit_code not in (0, None):
        return f"exited with status {outcome.exit_code} before finishing"
    return None


def _fails(refusal: str) -> bool:
    """Whether a refused file fails its assignment: any the grader reads, except the ones that only word messages
    (notes, the error's text) left outside the task's own folder, where the grader never looks for them."""
    name, _, why = refusal.partition(" (")
    if name not in protocol.OUTPUT_FILES:
        return False
    return not (name in ("info.json", "error.json") and why.startswith("outside its task's folder"))


def _child_error(out: Path | None) -> dict[str, str]:
    """The child's ``error.json`` (protocol.ERROR), or nothing: it only words the message of a failed job."""
    try:
        return protocol.load_json(out / "error.json") if out and (out / "error.json").is_file() else {}
    except (OSError, protocol.ProtocolError):
        return {}


def out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` is an allocation refused: Python's MemoryError, or TensorFlow's ResourceExhaustedError (what
    its allocator raises under the checker's address-space limit)."""
    return isinstance(exc, MemoryError) or type(exc).__name__ == "ResourceExhaustedError"


class StateChanged(RuntimeError):
    """Loading a model changed process-wide Keras state; the message says which (see harness/checks/checker.py)."""


def error_result(assignment: Assignment, file: str, reason: str, outcome: Outcome) -> AssignmentResult:
    """The student's code ran and the grader cannot use what it left: a failed ``runs`` check saying why."""
    return AssignmentResult.error(assignment, file, reason, check="runs", sandbox=outcome.summary())


def evaluate_model(assignment: ModelAssignment, file: str, outcome: Outcome, limits: Limits,
                   load: Callable[[Path], Any] | None = None) -> AssignmentResult:
    """Check the model a job saved against the reference. ``load`` reads the file (default: Keras' safe mode);
    the checker process passes one that also watches Keras' process-wide state."""
    reason = failure_reason(outcome, limits)
    try:
        info = child_info(outcome.out)
    except protocol.ProtocolError as exc:
        reason = reason or f"{exc}; the assignment is not graded"
    path = next((outcome.out / name for name in ("model.json", "model.keras")
                 if (outcome.out / name).is_file()), None) if outcome.out else None
    if reason is None and (path is None or not path.is_file()):
        reason = f"exited (status {outcome.exit_code}) before the grader received its model"
    if reason is None and path is not None and path.stat().st_size > MAX_MODEL_BYTES:
        reason = "the saved model is larger than 512 MiB"
    if reason is not None:
        return error_result(assignment, file, reason, outcome)
    assert path is not None  # without a model file, reason was set above
    try:
        student = (load or read_model)(path)
    except ConfigRefused as exc:
        return error_result(assignment, file, str(exc), outcome)
    except StateChanged as exc:
        return error_result(assignment, file, f"its saved model failed the safe-mode load: {exc}", outcome)
    except Exception as exc:  # noqa: BLE001 - any refusal is the submission's problem, said plainly
        if out_of_memory(exc):
            if load is not None:
                raise  # the checker's memory limit: it says so and is replaced (harness/checks/checker.py)
            return error_result(assignment, file, "loading its model ran the grader out of memory", outcome)
        return error_result(assignment, file, "its model cannot be loaded safely (Lambda layers and custom classes "
                            f"are not gradable): {str(exc).splitlines()[0][:300]}", outcome)
    checked = model_checks(assignment, student)
    return AssignmentResult.from_checks(
        assignment.id, assignment.points, checked.checks, params=checked.params,
        expected_params=checked.expected_params, file=file, notes=checked.notes, child_notes=info,
        architecture=checked.architecture, sandbox=outcome.summary(), timings={"sandbox_s": outcome.wall_s})


@dataclass
class ModelChecks:
    """What the trusted checks found in one model: the checks, the grader's notes, the figures and the table."""

    checks: list[Check]
    notes: list[str]
    params: int
    expected_params: int
    architecture: list[dict[str, Any]]


def model_checks(assignment: ModelAssignment, student: Any) -> ModelChecks:
    """The structural and functional checks of a built model against the reference and its accepted variants.

    One function for both places a model is checked: the grader (on the model the sandbox saved, loaded in safe
    mode) and ``harness.selfcheck`` (on a safe-mode copy of the model in the student's own kernel), so a self-check
    can never disagree with the grade. The functional check sets weights on ``student``: pass a copy.
    The checks are those registered (:mod:`harness.checks.registry`): the ``build`` phase against each accepted
    build of the reference (the one that fails least is kept), then the ``model`` phase against that build.
    """
    student_views = views(student)
    total = int(student.count_params())
    builds = references.references(assignment.id)
    (index, best), checks = min(((b, _build_checks(student_views, b[1])) for b in enumerate(builds)),
                                key=lambda item: sum(not c.passed for c in item[1]))
    context = registry.ModelContext(assignment, student, student_views, total, builds, index)
    checks += registry.run("model", "model", context)
    return ModelChecks(checks, [*context.notes, *structure.merged_notes(student_views)], total, builds[0].total,
                       structure.architecture_rows(student_views, best.views))


def _build_checks(student: list[LayerView], build: references.Reference) -> list[Check]:
    pairs, _ = structure.align(student, build.views)
    return registry.run("model", "build", registry.BuildContext(student, build, pairs))


def child_info(out: Path | None) -> list[str]:
    """The notes of the child's ``info.json`` (protocol.INFO); :class:`~protocol.ProtocolError` when
    it is malformed (that assignment's error), none when it left none."""
    if out is None or not (out / "info.json").is_file():
        return []
    return [clean_text(note, 600) for note in protocol.load_json(out / "info.json").get("notes", [])][:12]


#: The bytes that the reference's returns take, per assignment and number of cases: what bounds a student's.
_REFERENCE_BYTES: dict[tuple[str, int], int] = {}


def _reference_bytes(assignment: FunctionAssignment, cases: list[Case]) -> int:
    import numpy as np

    def size(value: Any) -> int:
        if isinstance(value, (tuple, list)) and any(isinstance(v, (tuple, list, np.ndarray)) for v in value):
            return sum(size(v) for v in value)
        try:
            return int(np.asarray(value).nbytes)
        except (ValueError, TypeError):
            return 0

    key = (assignment.id, len(cases))
    if key not in _REFERENCE_BYTES:
        _REFERENCE_BYTES[key] = sum(size(functions.expected_value(assignment, case)) for case in cases)
    return _REFERENCE_BYTES[key]


def _check_function_outputs(assignment: FunctionAssignment, cases: list[Case], out: Path) -> None:
    """``outputs.json`` and ``outputs.npz`` as protocol.py declares them, the arrays no larger than the reference's
    returns allow, before numpy reads them (:class:`~harness.sandbox.jail.protocol.ProtocolError` otherwise)."""
    if not (out / "outputs.json").is_file() or not (out / "outputs.npz").is_file():
        return  # nothing to read back: check_function says so
    meta = protocol.load_json(out / "outputs.json", "function")
    arrays = protocol.check_npz(out / "outputs.npz", protocol.array_budget(_reference_bytes(assignment, cases)))
    protocol.check_layout(meta["layout"], arrays)


def evaluate_function(assignment: FunctionAssignment, file: str, fixed: list[Case], drawn: list[Case],
                      outcome: Outcome, limits: Limits) -> AssignmentResult:
    reason = failure_reason(outcome, limits)
    if reason is not None:
        return error_result(assignment, file, reason, outcome)
    out = outcome.out
    assert out is not None  # every job that ran has its output folder (Worker.run_batch)
    try:
        child_notes = child_info(out)
        _check_function_outputs(assignment, [*fixed, *drawn], out)
        checks = functions.check_function(assignment, fixed, drawn, out)
    except protocol.ProtocolError as exc:
        return error_result(assignment, file, f"{exc}; the assignment is not graded", outcome)
    except ValueError as exc:
        return error_result(assignment, file, str(exc), outcome)
    return AssignmentResult.from_checks(assignment.id, assignment.points, checks, file=file, sandbox=outcome.summary(),
                                        timings={"sandbox_s": outcome.wall_s}, child_notes=child_notes)
