"""The functional check: give the student's model and the reference the same weights and compare what both compute.

Equal parameter counts do not mean equal models: ``relu`` where the reference has ``tanh``, or average
pooling where it has max pooling, changes no count. With identical weights, identical inputs must give
identical outputs; where they don't, running the layers one by one names the first layer that differs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import numpy as np

from harness.checks import structure
from harness.checks.layers import LayerView, views
from harness.checks.registry import ModelContext, check
from harness.results import Check

ATOL = 1e-5
RTOL = 1e-4
#: Weights drawn this wide push activations out of their near-linear range, so relu vs tanh shows.
WEIGHT_SCALE = 0.5


def sample_input(model: Any, dtype: str, seed: int = 0) -> np.ndarray:
    """Fixed random input the reference accepts: token ids below the first Embedding's vocabulary, else normals."""
    rng = np.random.default_rng(seed)
    shape = list(model.inputs[0].shape)
    fixed_batch = shape[0]
    # unknown lengths: long enough for stacked convolutions and poolings, short where only recurrences step
    free = 64 if any(("Conv" in type(layer).__name__ or "Pool" in type(layer).__name__) for layer in model.layers) \
        else 16
    shape = [fixed_batch or 3] + [d if d is not None else free for d in shape[1:]]
    embedding = next((layer for layer in model.layers if type(layer).__name__ == "Embedding"), None)
    if embedding is not None or dtype.startswith("int"):
        high = int(embedding.input_dim) if embedding is not None else 100
        return rng.integers(0, min(high, 1000), size=shape).astype(dtype)
    return rng.normal(size=shape).astype("float32")


#: Settings that cannot change what a layer computes at inference on weights it is given: its name, how its weights
#: start, what training adds to the loss or clamps, and the seed of its training-time noise.
_NOT_COMPUTED = ("name", "seed")
_NOT_COMPUTED_SUFFIXES = ("_initializer", "_regularizer", "_constraint")


def _computed(value: Any, key: str = "") -> Any:
    """``value`` (a layer's config) without :data:`_NOT_COMPUTED` settings; a ``dtype`` is kept whole (its policy's
    ``name``, ``float32`` or ``mixed_float16``, is computed with)."""
    if key == "dtype" or not isinstance(value, (dict, list)):
        return value
    if isinstance(value, list):
        return [_computed(v) for v in value]
    return {k: _computed(v, k) for k, v in value.items()
            if k not in _NOT_COMPUTED and not k.endswith(_NOT_COMPUTED_SUFFIXES)}


def computation_signature(model: Any) -> str | None:
    """A digest of what a Sequential model computes on weights it is given: its input shape, then each layer's class
    and settings (:func:`_computed`), in order. Two models with the same digest compute the same outputs from the
    same weights and input, so the functional check need not run a model whose digest is the reference's (a run costs
    a trace of ≈ 0.1-0.2 s for a long recurrence). ``None`` for any other model: it is run."""
    import keras

    if not isinstance(model, keras.Sequential):
        return None
    try:
        described = [list(model.inputs[0].shape), *([type(layer).__module__, type(layer).__name__,
                                                      _computed(layer.get_config())] for layer in model.layers)]
        text = json.dumps(described, sort_keys=True, default=repr)
    except Exception:  # noqa: BLE001 - unbuilt, or a setting JSON cannot hold: run it
        return None
    return hashlib.sha256(text.encode()).hexdigest()


def _reset(model: Any) -> None:
    for layer in model.layers:
        if getattr(layer, "stateful", False) and hasattr(layer, "reset_states"):
            layer.reset_states()


_RECURRENT = ("SimpleRNN", "LSTM", "GRU", "Bidirectional", "RNN")
#: Up to this many time steps an eager RNN (≈ 1 ms a step) costs less than tracing it once (≈ 0.1 s).
EAGER_STEPS = 64


def _graph_call(function: Any, x: np.ndarray, model: Any) -> Any:
    """Run ``function(x)``; as one traced graph when the model is recurrent over many steps.

    Eager RNNs step through time in Python (≈ 0.75 s for an LSTM over 500 steps, 0.1 s traced); for
    feed-forward models and short sequences the ≈ 0.1 s of tracing costs more than it saves.
    """
    recurrent = any(type(layer).__name__ in _RECURRENT for layer in model.layers)
    if recurrent and x.ndim > 1 and x.shape[1] > EAGER_STEPS:
        import tensorflow as tf

        return tf.function(function, reduce_retracing=True)(x)
    return function(x)


def _run_chain(views: list[LayerView], x: np.ndarray, model: Any) -> list[np.ndarray]:
    def chain(x: Any) -> list[Any]:
        outputs = []
        for view in views:
            for layer in view.layers:
                x = layer(x, training=False)
            outputs.append(x)
        return outputs

    return [np.asarray(o) for o in _graph_call(chain, x, model)]


def shared_weights(shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
    """The weights both models get, drawn from a fixed seed for the reference's weight shapes, in its order: so a
    reference's weights never have to be stored, only their shapes (harness/checks/references.py)."""
    rng = np.random.default_rng(0)
    return [rng.normal(0.0, WEIGHT_SCALE, size=shape).astype("float32") for shape in shapes]


def reference_run(reference: Any, dtype: str) -> tuple[list[tuple[int, ...]], np.ndarray, np.ndarray]:
    """The reference's weight shapes, the input and its output on the shared weights (which it keeps): what the
    check compares a student's model against, computed once per reference (harness/checks/references.py keeps it)."""
    shapes = [tuple(int(d) for d in w.shape) for w in reference.weights]
    reference.set_weights(shared_weights(shapes))
    _reset(reference)
    x = sample_input(reference, dtype)
    expected = np.asarray(_graph_call(lambda t: reference(t, training=False), x, reference))
    return shapes, x, expected


def check_functional(student: Any, reference: tuple[list[tuple[int, ...]], np.ndarray, np.ndarray],
                     student_views: list[LayerView], reference_views: list[LayerView], dtype: str,
                     reference_model: Callable[[], Any], signature: str | None = None) -> Check:
    """``reference``: what :func:`reference_run` returned for it. ``reference_model`` returns the reference model
    with the shared weights: only a model that computes something else needs it, to name the first layer that
    differs (``reference_views`` then are that model's). ``signature``: the reference's
    :func:`computation_signature`; a student's model with the same one is not run."""
    if signature is not None and computation_signature(student) == signature:
        return Check("functional", True, "its layers and their settings are the reference's, so given the same "
                     "weights it computes the same outputs")
    shapes_r, x, expected = reference
    shapes_s = [tuple(w.shape) for w in student.weights]
    if shapes_s != [tuple(s) for s in shapes_r]:
        return Check("functional", False, "not run: the weights differ in shape from the reference's, "
                     "so its computation cannot be compared (fix the layers above first)")
    student.set_weights(shared_weights(shapes_r))
    _reset(student)
    try:
        actual = np.asarray(_graph_call(lambda t: student(t, training=False), x, student))
    except Exception as exc:  # noqa: BLE001 - a model that cannot run on the reference's input is a finding
        text = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
        return Check("functional", False, f"the model fails on the reference's input (shape {x.shape}): {text}")
    if actual.shape == expected.shape and np.allclose(actual, expected, atol=ATOL, rtol=RTOL):
        return Check("functional", True, "given the same weights as the reference, it computes the same outputs")
    if actual.shape != expected.shape:
        message = (f"given the same weights and input as the reference, its output has shape {actual.shape} where "
                   f"the reference's has {expected.shape}")
    else:
        message = ("given the same weights as the reference, its outputs differ "
                   f"(by up to {_max_diff(actual, expected)})")
    if len(student_views) == len(reference_views):
        _reset(student)
        try:
            model = reference_model()
            reference_views = views(model)
            _reset(model)
            for s, r, a, e in zip(student_views, reference_views, _run_chain(student_views, x, student),
                                  _run_chain(reference_views, x, model)):
                if a.shape != e.shape:
                    message = _shape_message(s, r, a, e)
                    break
                if not np.allclose(a, e, atol=ATOL, rtol=RTOL):
                    message = _value_message(s, r, a, e)
                    break
        except Exception:  # noqa: BLE001 - not a plain chain of layers; keep the model-level message
            pass
    return Check("functional", False, message)


def _shape_message(s: LayerView, r: LayerView, a: np.ndarray, e: np.ndarray) -> str:
    """The first layer whose output differs in shape, and why in the student's terms when a setting says it."""
    shapes = f"on the same input its output has shape {a.shape}, the reference's {e.shape}"
    why = structure.shape_difference(s, r)
    if why:
        return f"{why} ({shapes})"
    return f"{s.label()} is the first layer whose output differs in shape from reference layer {r.index} {r.cls}: " \
           f"{shapes}"


def _value_message(s: LayerView, r: LayerView, a: np.ndarray, e: np.ndarray) -> str:
    """The first layer that computes something else with the same weights, and the settings that differ if any."""
    settings = [f"{key.replace('layer.', 'wrapped layer ').replace('_', ' ')} {s.settings[key]}, the reference "
                f"uses {value}" for key, value in r.settings.items()
                if key in s.settings and s.settings[key] != value]
    hint = "; ".join(settings) if settings else "check its activation, pooling or padding"
    return (f"{s.label()}: given the same weights, its output differs from reference layer {r.index} {r.cls} (by up "
            f"to {_max_diff(a, e)}): same parameters, different computation — {hint}")


def _max_diff(a: np.ndarray, b: np.ndarray) -> str:
    return f"{float(np.max(np.abs(a - b))):.3g}"


@check("functional", kind="model", phase="model")
def _functional(context: ModelContext) -> Check:
    """Registered (harness/checks/registry.py): the student's model given the chosen build's weights."""
    from harness.checks import references  # it imports this module

    best, assignment_id, index = context.best, context.assignment.id, context.index
    with references.MODEL_LOCK:
        return check_functional(context.model, best.run(), context.student, best.views,
                                context.assignment.input_dtype, lambda: references.model(assignment_id, index),
                                best.signature)
