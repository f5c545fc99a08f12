"""Structural checks: the student's layers against the reference's, with messages a student can act on.

Each check returns one :class:`~harness.results.Check` whose message lists every problem it found, e.g.
``layer 2 LSTM: 8,320 parameters, expected 4,224 (32 units instead of 16)``.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

from harness.checks.layers import LayerView
from harness.checks.registry import BuildContext, ModelContext, check
from harness.results import Check

#: Settings whose difference explains a parameter count, in the order they are mentioned.
_SIZE_SETTINGS = ("units", "filters", "kernel_size", "input_dim", "output_dim", "use_bias", "reset_after",
                  "layer.units", "layer.reset_after")


def align(student: list[LayerView], reference: list[LayerView]) -> tuple[list[tuple[LayerView, LayerView]], list[str]]:
    """Pair layers of the same class in order; describe the ones missing, extra or of another class.

    Layers that also agree on their main settings are paired first, so that in ``Dense(512) → Dense(512) →
    Dense(10, softmax)`` against ``Dense(512) → Dense(10, softmax)`` the extra layer named is the second
    ``Dense(512)``, not the output layer (as the class names alone would have it); what is left between those
    pairs is then aligned by class.
    """
    pairs: list[tuple[LayerView, LayerView]] = []
    problems: list[str] = []
    fine = difflib.SequenceMatcher(a=[_key(v) for v in student], b=[_key(v) for v in reference], autojunk=False)
    opcodes = fine.get_opcodes()
    if _output_layers_unpaired(opcodes, student, reference):  # a different network: still compare output layers
        pairs, problems = align(student[:-1], reference[:-1])
        return [*pairs, (student[-1], reference[-1])], problems
    for op, s1, s2, r1, r2 in opcodes:
        if op == "equal":
            pairs.extend(zip(student[s1:s2], reference[r1:r2]))
        else:
            _align_classes(student, reference, (s1, s2), (r1, r2), pairs, problems)
    if not student:
        problems.append("the model has no layers")
    return pairs, problems


def _output_layers_unpaired(opcodes: Sequence[tuple[str, int, int, int, int]], student: list[LayerView],
                            reference: list[LayerView]) -> bool:
    """Both last layers are of one class, and the settings-aware alignment paired neither of them with anything.

    ``Dense(100) → Dense(50) → … → Dense(10, sigmoid)`` against ``Dense(512) → Dense(10, softmax)``: the output
    layers are compared with each other (sigmoid instead of softmax), and the hidden ones in between are named
    extra, rather than ``Dense(50)`` being compared with the output layer.
    """
    if len(student) < 2 or len(reference) < 2 or student[-1].cls != reference[-1].cls:
        return False
    paired_student = {i for op, s1, s2, _, _ in opcodes if op == "equal" for i in range(s1, s2)}
    paired_reference = {i for op, _, _, r1, r2 in opcodes if op == "equal" for i in range(r1, r2)}
    return len(student) - 1 not in paired_student and len(reference) - 1 not in paired_reference


def _key(view: LayerView) -> tuple[Any, ...]:
    settings = view.settings
    return (view.cls, *(repr(settings.get(k)) for k in ("units", "filters", "activation", "return_sequences")))


def _align_classes(student: list[LayerView], reference: list[LayerView], span: tuple[int, int],
                   ref_span: tuple[int, int], pairs: list[tuple[LayerView, LayerView]], problems: list[str]) -> None:
    """Align ``student[span]`` with ``reference[ref_span]`` by class name alone (the labels keep their places)."""
    base, ref_base = span[0], ref_span[0]
    matcher = difflib.SequenceMatcher(a=[v.cls for v in student[span[0]:span[1]]],
                                      b=[v.cls for v in reference[ref_span[0]:ref_span[1]]], autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        s1, s2, r1, r2 = base + a1, base + a2, ref_base + b1, ref_base + b2
        if op == "equal":
            pairs.extend(zip(student[s1:s2], reference[r1:r2]))
        elif op == "replace" and s2 - s1 == r2 - r1 and not _weights_only_one_side(student[s1:s2], reference[r1:r2]):
            for s, r in zip(student[s1:s2], reference[r1:r2]):
                problems.append(f"{s.label()}: expected {r.cls} here (reference layer {r.index})")
        else:  # a Dropout where the reference has a Dense is an extra layer and a missing one, not a swap
            for r in reference[r1:r2]:
                after = f" after {student[s1 - 1].label()}" if s1 > 0 else " at the start"
                problems.append(f"missing {r.cls} (reference layer {r.index}){after}")
            for s in student[s1:s2]:
                problems.append(f"{s.label()}: extra layer, the reference has no {s.cls} here")


def _weights_only_one_side(student: list[LayerView], reference: list[LayerView]) -> bool:
    return any((s.params == 0) != (r.params == 0) for s, r in zip(student, reference))


def _why_params(s: LayerView, r: LayerView) -> str:
    reasons = []
    for key in _SIZE_SETTINGS:
        if key in s.settings and key in r.settings and s.settings[key] != r.settings[key]:
            name = key.split(".")[-1].replace("_", " ")
            reasons.append(f"{_fmt(s.settings[key])} {name} instead of {_fmt(r.settings[key])}")
    return f" ({'; '.join(reasons)})" if reasons else ""


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def check_layers(student: list[LayerView], reference: list[LayerView]) -> Check:
    _, problems = align(student, reference)
    if not problems:
        return Check("layers", True, f"{len(student)} layers: " + ", ".join(v.cls for v in student))
    return Check("layers", False, "; ".join(problems))


#: Settings that change a layer's output shape, in the order a difference is mentioned.
_SHAPE_SETTINGS = ("units", "filters", "output_dim", "kernel_size", "strides", "pool_size", "padding",
                   "layer.units", "merge_mode")


def shape_difference(s: LayerView, r: LayerView) -> str:
    """Why ``s``'s output shape differs from reference layer ``r``'s, in the words the student types.

    ``layer 2 SimpleRNN returns the whole sequence (return_sequences=True); the reference returns only the last
    output``, or the settings that change the shape (``padding='same', the reference uses padding='valid'``), or
    ``""``.
    """
    for key in ("return_sequences", "layer.return_sequences"):
        mine, theirs = s.settings.get(key), r.settings.get(key)
        if mine is not None and theirs is not None and mine != theirs:
            if mine:
                return (f"{s.label()} returns the whole sequence (return_sequences=True); the reference returns only "
                        "the last output")
            return (f"{s.label()} returns only the last output; the reference returns the whole sequence "
                    "(return_sequences=True)")
    reasons = [f"{key.split('.')[-1]}={s.settings[key]!r}, the reference uses {key.split('.')[-1]}={r.settings[key]!r}"
               for key in _SHAPE_SETTINGS
               if key in s.settings and key in r.settings and s.settings[key] != r.settings[key]]
    return f"{s.label()}: {'; '.join(reasons)}" if reasons else ""


def check_output_shapes(pairs: list[tuple[LayerView, LayerView]]) -> Check:
    """Output shapes of paired layers; the first that differs is explained, the ones after it follow from it or
    from their own settings."""
    problems: list[str] = []
    following: list[str] = []
    first: LayerView | None = None
    for s, r in pairs:
        if not (s.output_shape and r.output_shape) or _compatible(s.output_shape, r.output_shape):
            continue
        text = f"{s.label()}: output shape {_shape(s.output_shape)}, expected {_shape(r.output_shape)}"
        why = shape_difference(s, r)
        if why:
            problems.append(f"{why} ({text})")
        elif first is not None:
            following.append(s.label())
        else:
            problems.append(text)
        first = first or s
    if following:
        problems.append(f"the output shapes of {', '.join(following)} differ as a result")
    return Check("output_shapes", not problems, "; ".join(problems) or "every output shape matches")


def check_parameters(pairs: list[tuple[LayerView, LayerView]]) -> Check:
    problems = [f"{s.label()}: {s.params:,} parameters, expected {r.params:,}{_why_params(s, r)}"
                for s, r in pairs if s.params != r.params]
    problems += [f"{s.label()}: {'trainable' if s.trainable else 'frozen'}, the reference's is "
                 f"{'trainable' if r.trainable else 'frozen'}" for s, r in pairs if s.trainable != r.trainable]
    return Check("parameters", not problems, "; ".join(problems) or "every layer's parameter count matches")


def check_settings(pairs: list[tuple[LayerView, LayerView]], student: list[LayerView],
                   reference: list[LayerView]) -> Check:
    problems = []
    for s, r in pairs:
        for key, expected in r.settings.items():
            if key in _SIZE_SETTINGS or key not in s.settings or s.settings[key] == expected:
                continue
            actual = s.settings[key]
            if s is student[-1] and r is reference[-1] and key == "activation" and actual == "linear":
                problems.append(f"last layer uses no activation; the reference ends in {expected}")
                continue
            if key.endswith("return_sequences"):
                problems.append(shape_difference(s, r))
                continue
            name = key.replace("layer.", "wrapped layer's ").replace("_", " ")
            problems.append(f"{s.label()}: {name} {_fmt(actual)}, the reference uses {_fmt(expected)}")
    return Check("settings", not problems, "; ".join(problems) or "activations and layer settings match")


def merged_notes(student: list[LayerView]) -> list[str]:
    """Where ``Dense`` + ``Activation`` was graded as one ``Dense(..., activation=...)`` (they compute the same)."""
    notes = []
    for view in student:
        if view.cls == "Dense" and len(view.layers) == 2:
            units, activation = view.settings.get("units"), view.settings.get("activation")
            notes.append(f"{view.label()}: Dense({units}) followed by Activation('{activation}') is graded as "
                         f"Dense({units}, activation='{activation}'): they compute the same")
    return notes


def check_total(student_total: int, expected: int, accepted: dict[int, str]) -> tuple[Check, list[str]]:
    """Total parameters against the reference; a variant's total is accepted with its note."""
    if student_total == expected:
        return Check("total_params", True, f"{student_total:,} parameters"), []
    if student_total in accepted:
        return Check("total_params", True, f"{student_total:,} parameters (accepted)"), [accepted[student_total]]
    return Check("total_params", False, f"{student_total:,} parameters, expected {expected:,}"), []


def _compatible(student: tuple[int | None, ...], reference: tuple[int | None, ...]) -> bool:
    """Equal shapes, where an unknown length (``None``) on either side matches any length.

    A model built on ``Input((None,))`` and one built on ``Input((500,))`` are the same network; a fixed
    batch size (stateful models) is compared like any other dimension.
    """
    return len(student) == len(reference) and all(
        a == b or a is None or b is None for a, b in zip(student, reference))


def _shape(shape: tuple[int | None, ...]) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def architecture_rows(pairs_student: list[LayerView], reference: list[LayerView]) -> list[dict[str, Any]]:
    """Side-by-side rows for reports: the student's layer next to the reference's, aligned by class."""
    pairs, _ = align(pairs_student, reference)
    by_reference = {id(r): s for s, r in pairs}
    used = {id(s) for s, _ in pairs}
    rows = [{"layer": r.index, "student": by_reference[id(r)].row() if id(r) in by_reference else "—",
             "reference": r.row()} for r in reference]
    rows += [{"layer": s.index, "student": s.row(), "reference": "—"} for s in pairs_student if id(s) not in used]
    return rows


# -- the registered checks (harness/checks/registry.py), in the order they run ------------------------------------

@check("layers", kind="model", phase="build")
def _layers(context: BuildContext) -> Check:
    return check_layers(context.student, context.build.views)


@check("output_shapes", kind="model", phase="build")
def _output_shapes(context: BuildContext) -> Check:
    return check_output_shapes(context.pairs)


@check("parameters", kind="model", phase="build")
def _parameters(context: BuildContext) -> Check:
    return check_parameters(context.pairs)


@check("settings", kind="model", phase="build")
def _settings(context: BuildContext) -> Check:
    return check_settings(context.pairs, context.student, context.build.views)


@check("total_params", kind="model", phase="model")
def _total_params(context: ModelContext) -> Check:
    """The total against the reference's; an accepted variant's total passes, with its note (and the chosen
    build's note when it passes)."""
    accepted = {b.total: b.note for b in context.builds if b.note}
    found, notes = check_total(context.total, context.builds[0].total, accepted)
    if context.best.note and context.best.note not in notes and found.passed:
        notes.append(context.best.note)
    context.notes.extend(notes)
    return found
