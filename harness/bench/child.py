"""One timed run of ``grader bench``: a fresh process for one model on one device (``python -m harness.bench.child
SPEC.json RESULT.json``). Trusted code only: a student's model arrives as a ``model.keras`` built in the sandbox and
is loaded here in Keras' safe mode (no Lambda layers, no custom classes), so nothing of the student's code runs.

The device is chosen by the parent through the environment (``CUDA_VISIBLE_DEVICES=-1`` for the CPU run), since
TensorFlow picks its devices, and Keras its cuDNN kernels, once per process. Phases, in order, each timed alone:

1. ``import_s``: from the parent's spawn to ``import keras`` done (interpreter start + TensorFlow import);
2. ``build_s``: the reference's ``build()`` or the safe-mode load; ``compile_s``: ``compile`` with the recipe;
3. ``first_epoch_s``: the first ``fit`` epoch, tracing included; ``steady_epoch_s``: the mean of the next epochs
   (at least ``steady_min_epochs`` and ``steady_min_s`` seconds), and ``train_samples_per_s`` from it;
4. ``inference_samples_per_s``: ``predict`` over the same samples after a first (tracing) call;
   ``latency_p50_ms`` / ``latency_p90_ms``: one sample through ``predict_on_batch``, after a warm-up;
5. ``tta_s`` (time to accuracy): a fresh model (same seed), from the first touch of the real data (loading it)
   to the end of the epoch whose held-out score reaches the bar, training with the quick recipe.

Phases 3-4 use synthetic random data of the model's input shape and dtype (the figures measure speed, not
learning); phase 5 uses the real data, or is skipped with a note when the dataset is missing.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from harness.sandbox.jail.training_task import all_layers, fixed_batch_size, stateful_layers

_STARTED = time.time()
RNN_CLASSES = ("LSTM", "GRU")


def main(spec_path: str, result_path: str) -> int:
    spec = json.loads(Path(spec_path).read_text())
    result: dict[str, Any] = {"device": spec["device"], "seed": spec["seed"], "available": True}
    try:
        run(spec, result)
    except Exception as exc:  # one failed run is reported, the others still count
        result["error"] = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:400] if str(exc) else ''}"
    Path(result_path).write_text(json.dumps(result, default=_jsonable))
    return 0


def _jsonable(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else str(value)


def run(spec: dict[str, Any], result: dict[str, Any]) -> None:
    from harness.quiet import import_keras

    import_keras()
    import keras
    import numpy as np
    import tensorflow as tf

    phases: dict[str, float] = {"import_s": time.time() - float(spec.get("spawned_at") or _STARTED)}
    result["phases"] = phases
    gpus = [d.name for d in tf.config.list_physical_devices("GPU")]
    result["gpus"] = gpus
    result["versions"] = {"tensorflow": tf.__version__, "keras": keras.__version__, "python": sys.version.split()[0]}
    if spec["device"] == "gpu" and not gpus:
        result.update(available=False, reason="no GPU visible")
        return
    recipe = spec["recipe"]

    keras.utils.set_random_seed(int(spec["seed"]))
    started = time.perf_counter()
    model = _model(spec)
    phases["build_s"] = time.perf_counter() - started
    cudnn = _CudnnProbe(model, force=spec["device"] == "gpu" and spec.get("reference", False)) \
        if spec["device"] == "gpu" else None

    started = time.perf_counter()
    _compile(model, recipe)
    phases["compile_s"] = time.perf_counter() - started

    x, y, batch = synthetic(model, recipe, int(spec["samples"]), int(spec["seed"]), spec.get("sequence_length", 100))
    result["synthetic"] = {"samples": len(x), "x": f"{x.dtype}{list(x.shape)}", "y": f"{y.dtype}{list(y.shape)}",
                           "batch_size": batch}
    shuffle = not _stateful(model)
    started = time.perf_counter()
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=shuffle)
    phases["first_epoch_s"] = time.perf_counter() - started

    timer = _EpochTimer(int(spec.get("steady_min_epochs", 2)), float(spec.get("steady_min_s", 1.0)))
    model.fit(x, y, batch_size=batch, epochs=int(spec.get("steady_max_epochs", 30)), verbose=0, shuffle=shuffle,
              callbacks=[timer])
    phases["steady_epoch_s"] = float(np.mean(timer.times))
    phases["train_samples_per_s"] = len(x) / phases["steady_epoch_s"]
    result["steady_epochs"] = len(timer.times)

    model.predict(x, batch_size=batch, verbose=0)  # traces predict
    started = time.perf_counter()
    model.predict(x, batch_size=batch, verbose=0)
    phases["inference_samples_per_s"] = len(x) / (time.perf_counter() - started)

    one = x[: fixed_batch_size(model) or 1]
    for _ in range(5):
        model.predict_on_batch(one)
    latencies = []
    for _ in range(int(spec.get("latency_calls", 50))):
        started = time.perf_counter()
        model.predict_on_batch(one)
        latencies.append((time.perf_counter() - started) * 1000)
    phases["latency_p50_ms"] = float(np.percentile(latencies, 50))
    phases["latency_p90_ms"] = float(np.percentile(latencies, 90))
    if cudnn is not None:
        result["cudnn"] = cudnn.report()

    if spec.get("tta"):
        keras.utils.set_random_seed(int(spec["seed"]))
        fresh = _model(spec)
        probe = _CudnnProbe(fresh, force=spec.get("reference", False)) if spec["device"] == "gpu" else None
        _compile(fresh, recipe)
        result["tta"] = time_to_accuracy(fresh, spec["tta"], recipe, int(spec["seed"]))
        if result["tta"].get("reached"):
            phases["tta_s"] = result["tta"]["seconds"]
        if probe is not None and "cudnn" not in result:
            result["cudnn"] = probe.report()


def _model(spec: dict[str, Any]) -> Any:
    import keras

    if spec.get("model_path"):
        return keras.saving.load_model(spec["model_path"], safe_mode=True, compile=False)
    from harness.catalog import ModelAssignment, load_catalog

    assignment = load_catalog()[spec["assignment"]]
    if not isinstance(assignment, ModelAssignment):  # bench.workload refuses these before any child starts
        raise TypeError(f"{assignment.id} is a function assignment: only models are timed")
    return assignment.build()


def _compile(model: Any, recipe: dict[str, Any]) -> None:
    import keras

    config: dict[str, Any] = {}
    if recipe.get("learning_rate") is not None:
        config["learning_rate"] = float(recipe["learning_rate"])
    optimizer = keras.optimizers.get({"class_name": recipe["optimizer"], "config": config})
    model.compile(optimizer=optimizer, loss=recipe["loss"], metrics=list(recipe.get("metrics") or []))


def _stateful(model: Any) -> bool:
    return bool(stateful_layers(model))


def synthetic(model: Any, recipe: dict[str, Any], samples: int, seed: int,
              sequence_length: int = 100) -> tuple[Any, Any, int]:
    """Random inputs of the model's shape and dtype (token ids below the first Embedding's vocabulary), and
    random targets that suit the recipe's loss. Returns ``(x, y, batch_size)``."""
    import numpy as np

    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise ValueError("grader bench times single-input, single-output models")
    rng = np.random.default_rng(seed)
    fixed = fixed_batch_size(model)
    batch = fixed or int(recipe["batch_size"])
    if fixed:
        samples = max(fixed, samples // fixed * fixed)
    spec = model.inputs[0]
    shape = tuple(sequence_length if d is None else int(d) for d in tuple(spec.shape)[1:])
    dtype = str(getattr(spec, "dtype", "float32"))
    if "int" in dtype:
        vocab = next((int(layer.input_dim) for layer in all_layers(model) if hasattr(layer, "input_dim")), 2)
        x = rng.integers(0, vocab, size=(samples, *shape)).astype(dtype)
    else:
        x = rng.standard_normal((samples, *shape)).astype(dtype)
    out = tuple(model.compute_output_shape((samples, *shape)))
    loss = str(recipe["loss"])
    if loss == "categorical_crossentropy":
        y = np.eye(out[-1], dtype="float32")[rng.integers(0, out[-1], size=out[:-1])]
    elif loss == "sparse_categorical_crossentropy":
        y = rng.integers(0, out[-1], size=out[:-1])
    elif loss == "binary_crossentropy":
        y = rng.integers(0, 2, size=out).astype("float32")
    else:
        y = rng.standard_normal(out).astype("float32")
    return x, y, batch


class _EpochTimer:
    """A Keras callback that times each epoch and stops once enough steady-state time has been measured."""

    def __new__(cls, min_epochs: int, min_s: float) -> Any:
        import keras

        class EpochTimer(keras.callbacks.Callback):
            def __init__(self) -> None:
                super().__init__()
                self.times: list[float] = []
                self._t = 0.0

            def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
                self._t = time.perf_counter()

            def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
                self.times.append(time.perf_counter() - self._t)
                if len(self.times) >= min_epochs and sum(self.times) >= min_s:
                    self.model.stop_training = True

        return EpochTimer()


#: Where the patched ``backend.lstm`` / ``backend.gru`` record the kernel each layer got (the newest probe's).
_PROBE: dict[str, Any] = {"layer": "", "kernels": None}


def _record(kernel: str) -> None:
    if _PROBE["kernels"] is not None:
        _PROBE["kernels"][_PROBE["layer"]] = kernel


class _CudnnProbe:
    """On the GPU: which kernel each LSTM/GRU got. With ``force`` (reference runs), every layer whose settings
    cuDNN supports gets ``use_cudnn=True``, so that a fallback to the generic kernel fails loudly instead of
    passing unnoticed."""

    def __init__(self, model: Any, force: bool) -> None:
        from keras.src import backend
        from keras.src.backend.tensorflow import rnn as tf_rnn

        self.kernels: dict[str, str] = {}
        _PROBE["kernels"] = self.kernels
        self.layers = [layer for layer in all_layers(model) if type(layer).__name__ in RNN_CLASSES]
        for name in ("lstm", "gru"):
            original = getattr(backend, name)
            if getattr(original, "_grader_probe", False):
                continue

            def wrapped(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
                try:
                    out = _original(*args, **kwargs)
                except NotImplementedError:
                    _record("generic (cuDNN refused this configuration)")
                    raise
                _record("cuDNN")
                return out

            wrapped._grader_probe = True  # type: ignore[attr-defined]
            setattr(backend, name, wrapped)
        for layer in self.layers:
            supported = not getattr(layer, "recurrent_dropout", 0) and self._supported(layer, tf_rnn)
            if force and supported:
                layer.use_cudnn = True
            original_loop = layer.inner_loop

            def loop(*args: Any, _layer: Any = layer, _loop: Any = original_loop, **kwargs: Any) -> Any:
                _PROBE["layer"] = _layer.name
                return _loop(*args, **kwargs)

            layer.inner_loop = loop

    @staticmethod
    def _supported(layer: Any, tf_rnn: Any) -> bool:
        cell = layer.cell
        try:
            if type(layer).__name__ == "GRU":
                return bool(tf_rnn._do_gru_arguments_support_cudnn(cell.activation, cell.recurrent_activation,
                                                                   layer.unroll, cell.use_bias, cell.reset_after))
            return bool(tf_rnn._do_lstm_arguments_support_cudnn(cell.activation, cell.recurrent_activation,
                                                                layer.unroll, cell.use_bias))
        except Exception:  # a Keras without these helpers: let the kernel decide
            return True

    def report(self) -> dict[str, str]:
        out = {}
        for layer in self.layers:
            setting = layer.use_cudnn
            out[layer.name] = self.kernels.get(layer.name) or (
                "generic (use_cudnn=False)" if setting is False else
                "generic (recurrent_dropout)" if getattr(layer, "recurrent_dropout", 0) else "generic")
        return out


def time_to_accuracy(model: Any, tta: dict[str, Any], recipe: dict[str, Any], seed: int) -> dict[str, Any]:
    """Train ``model`` with the quick recipe on the real data until the held-out score reaches ``tta["target"]``.

    Timed from the first touch of the data (loading it) to the end of that epoch, evaluation included (as MLPerf
    does); stops there, at the recipe's epochs, or at its time budget."""
    import keras

    from harness import datasets, training
    from harness.sandbox.jail.training_task import reset_states

    started = time.perf_counter()
    try:
        data = datasets.load(tta["dataset"], tta["options"], tta.get("data_dirs") or [])
    except datasets.DatasetMissing as exc:
        return {"skipped": f"dataset missing: {exc}"}
    x_train = training.to_layout(data.x_train, tta["batch_shape"])
    y_train = training.labels_for(data.y_train, recipe["loss"], training.num_classes(data))
    y_eval: Any  # the test labels stay on this side: a loader always sets them
    if tta.get("evaluate_on") == "train":
        x_eval, y_eval = x_train, data.y_train
    else:
        x_eval, y_eval = training.to_layout(data.x_test, tta["batch_shape"]), data.y_test
    if getattr(x_train, "dtype", None) is not None and x_train.dtype.kind == "O":
        return {"skipped": "variable-length sequences (no maxlen): not timed"}
    load_s = time.perf_counter() - started
    metric, target, higher = tta["metric"], float(tta["target"]), tta["metric"] != "mae"
    stateful = _stateful(model)
    batch = fixed_batch_size(model) or int(recipe["batch_size"])
    history: list[tuple[int, float, float]] = []
    state: dict[str, Any] = {}

    class UntilTarget(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            if stateful:
                reset_states(self.model)

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            if stateful:
                reset_states(self.model)
            score = training.score_model(self.model, x_eval, y_eval, metric)
            if stateful:
                reset_states(self.model)
            elapsed = time.perf_counter() - started
            history.append((epoch + 1, score, elapsed))
            if (score >= target) if higher else (score <= target):
                state["reached"] = (epoch + 1, score, elapsed)
                self.model.stop_training = True
            elif elapsed > float(recipe.get("time_budget_s") or 1e9):
                state["budget"] = True
                self.model.stop_training = True

    model.fit(x_train, y_train, batch_size=batch, epochs=int(recipe["epochs"]), verbose=0, shuffle=not stateful,
              callbacks=[UntilTarget()])
    best = (max if higher else min)(s for _, s, _ in history) if history else None
    out: dict[str, Any] = {"metric": metric, "target": target, "epochs_run": len(history), "load_s": load_s,
                           "best": best, "reached": "reached" in state, "budget_spent": bool(state.get("budget")),
                           "history": [[e, round(s, 5), round(t, 3)] for e, s, t in history]}
    if "reached" in state:
        epoch, score, seconds = state["reached"]
        out.update(epoch=epoch, score=score, seconds=seconds)
    return out


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
