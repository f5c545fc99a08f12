"""The training run of ``--checks train``, in the sandboxed child. Runs INSIDE the sandbox, never in the grader.

Bound read-only next to ``zygote.py`` and ``tasks.py``; it imports only the standard library, numpy, keras,
tensorflow and ``tasks`` (the ``harness`` package, the reference and the test labels are not there). The trusted
side (:mod:`harness.training`) also imports it, for :func:`train_stateful_fast` (``harness.song`` uses it) and
:func:`effective_recipe`.

A ``train`` task (see ``harness.training.Session.prepare``):

1. builds the student's model exactly as a structure job does (``build_model()``, or the model a script builds,
   with its own training short-circuited; saved as ``model.keras``) and loads that file back in safe mode, so
   what is trained is what the grader can load and check; the untrained ``model.keras`` stays behind if
   training fails;
2. reads ``train.npz`` (``x_train``, ``y_train``, optional ``x_val``/``y_val``) from the per-run data folder the
   trusted side bound read-only at ``/data/...``: training data only, never the test labels;
3. applies the recipe (optimizer, loss, epochs, batch size, validation), with the student's module-level
   ``TRAINING = {"epochs": ..., "batch_size": ..., "optimizer": ..., "learning_rate": ...}`` overrides within
   bounds, under a time budget: training stops (and says so) when the budget is spent;
4. saves the trained ``model.keras`` and ``outputs.json`` (the history, for curves; the effective recipe; notes).

Nothing here is a verdict: the trusted side evaluates the saved model on held-out data it never hands over.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: What a submission's ``TRAINING`` dict may change, and the bounds.
OVERRIDABLE = ("epochs", "batch_size", "optimizer", "learning_rate")
OPTIMIZERS = ("adam", "adamw", "adamax", "nadam", "rmsprop", "sgd", "adagrad", "adadelta", "lion")
MAX_BATCH = 4096
#: A submission may ask for at most this many times the recipe's epochs (the time budget still applies).
EPOCH_FACTOR = 10
#: Epochs per graph call of the fast stateful trainer (one XLA compilation serves every call).
STATEFUL_CHUNK = 50


# -- the recipe -----------------------------------------------------------------------------------------------

def effective_recipe(recipe: dict[str, Any], requested: Any, fixed_batch: int | None = None
                     ) -> tuple[dict[str, Any], list[str]]:
    """The recipe with the student's ``TRAINING`` overrides applied within bounds, and one note per decision."""
    recipe = dict(recipe)
    notes: list[str] = []
    if requested is None:
        return recipe, notes
    if not isinstance(requested, dict):
        return recipe, [f"TRAINING must be a dict like {{'epochs': 3, 'batch_size': 64}}, not "
                        f"{type(requested).__name__}: ignored"]
    for key, value in requested.items():
        key = str(key)
        if key not in OVERRIDABLE:
            notes.append(f"TRAINING[{key!r}] ignored: only {', '.join(OVERRIDABLE)} can be changed")
            continue
        if key == "epochs":
            cap = max(1, int(recipe["epochs"]) * EPOCH_FACTOR)
            if not _is_int(value) or value < 1:
                notes.append(f"TRAINING['epochs'] = {value!r} ignored: give a positive integer")
                continue
            if value > cap:
                notes.append(f"TRAINING['epochs'] = {value} capped at {cap} ({EPOCH_FACTOR}x the recipe's "
                             f"{recipe['epochs']}); the time budget applies as well")
                value = cap
        elif key == "batch_size":
            if not _is_int(value) or not 1 <= value <= MAX_BATCH:
                notes.append(f"TRAINING['batch_size'] = {value!r} ignored: give an integer from 1 to {MAX_BATCH}")
                continue
            if fixed_batch is not None and value != fixed_batch:
                notes.append(f"TRAINING['batch_size'] = {value} ignored: the model's batch size is fixed at "
                             f"{fixed_batch}")
                continue
        elif key == "optimizer":
            if not isinstance(value, str) or value.lower() not in OPTIMIZERS:
                notes.append(f"TRAINING['optimizer'] = {value!r} ignored: name one of {', '.join(OPTIMIZERS)}")
                continue
            value = value.lower()
        elif key == "learning_rate":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
                notes.append(f"TRAINING['learning_rate'] = {value!r} ignored: give a number in (0, 1]")
                continue
            value = float(value)
        if recipe.get(key) != value:
            notes.append(f"TRAINING sets {key} = {value} (the recipe's is {recipe.get(key)})")
        recipe[key] = value
    return recipe, notes


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def make_optimizer(name: str, learning_rate: float | None) -> Any:
    import keras

    config: dict[str, Any] = {}
    if learning_rate is not None:
        config["learning_rate"] = float(learning_rate)
    return keras.optimizers.get({"class_name": name, "config": config})


# -- data -------------------------------------------------------------------------------------------------------

def read_arrays(path: Path) -> dict[str, Any]:
    """``train.npz`` as written by the trusted side (no pickles; ragged rows as ``NAME__flat`` + ``NAME__offsets``)."""
    import numpy as np

    out: dict[str, Any] = {}
    with np.load(path, allow_pickle=False) as f:
        for key in f.files:
            if key.endswith("__offsets"):
                continue
            if key.endswith("__flat"):
                base = key[: -len("__flat")]
                flat, offsets = f[key], f[base + "__offsets"]
                rows = np.empty(len(offsets) - 1, dtype=object)
                for i in range(len(rows)):
                    rows[i] = flat[offsets[i]:offsets[i + 1]]
                out[base] = rows
            else:
                out[key] = f[key]
    return out


def fit_inputs(model: Any, x: Any, notes: list[str]) -> Any:
    """Reshape ``x`` to the model's declared input when only the layout differs (``(50, 4, 1)`` vs ``(50, 4)``)."""
    import numpy as np

    if x is None or getattr(getattr(x, "dtype", None), "kind", "") == "O" or not getattr(model, "inputs", None):
        return x
    want = tuple(model.inputs[0].shape)[1:]
    have = tuple(x.shape[1:])
    if len(want) == len(have) or any(d is None for d in want):
        return x
    if int(np.prod(want)) == int(np.prod(have)):
        notes.append(f"inputs reshaped from {have} to the model's {want}")
        return x.reshape((x.shape[0], *want))
    return x


def fixed_batch_size(model: Any) -> int | None:
    try:
        batch = model.inputs[0].shape[0]
    except (AttributeError, IndexError, TypeError):
        return None
    return int(batch) if batch is not None else None


# -- the fast stateful trainer ------------------------------------------------------------------------------------

@dataclass
class TrainLog:
    """What :func:`train_stateful_fast` did."""

    epochs: int = 0
    seconds: float = 0.0
    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    #: ``(epoch, value)`` of each ``until`` check, e.g. full-song scores.
    checks: list[tuple[int, Any]] = field(default_factory=list)
    stopped_early: bool = False
    #: Wall time of each graph call (the first includes tracing and XLA compilation), checks excluded.
    chunk_seconds: list[float] = field(default_factory=list)
    #: Why training ended before ``epochs``: ``"perfect"`` (every window right), ``"budget"``, ``"until"``.
    stop_reason: str = ""
    jit: bool = True
    notes: list[str] = field(default_factory=list)


def all_layers(model: Any) -> list[Any]:
    """Every layer, nested ones too (a Sequential inside, a Bidirectional's two directions and its template), each
    once: the one walk the trainer (stateful layers) and the benchmark (RNN layers, an Embedding) both use."""
    found: list[Any] = []
    seen: set[int] = set()

    def walk(layer: Any) -> None:
        if id(layer) in seen:
            return
        seen.add(id(layer))
        found.append(layer)
        for sub in getattr(layer, "layers", None) or []:
            walk(sub)
        for name in ("forward_layer", "backward_layer", "layer"):
            inner = getattr(layer, name, None)
            if inner is not None:
                walk(inner)

    for layer in getattr(model, "layers", []):
        walk(layer)
    return found


def stateful_layers(model: Any) -> list[Any]:
    """Every layer (nested ones too) built with ``stateful=True``."""
    return [layer for layer in all_layers(model) if getattr(layer, "stateful", False)]


def reset_states(model: Any) -> int:
    """Keras 3 has no ``model.reset_states()``: reset each stateful layer; returns how many were reset."""
    layers = stateful_layers(model)
    for layer in layers:
        if hasattr(layer, "reset_state"):
            layer.reset_state()
        else:  # pragma: no cover - Keras 2 spelling
            layer.reset_states()
    return len(layers)


def train_stateful_fast(model: Any, x: Any, y: Any, epochs: int, *, check_every: int = 0, until: Any = None,
                        check: Any = None, jit_compile: bool = True, verbose: bool = False,
                        stop_when_perfect: bool = False, time_budget_s: float | None = None,
                        chunk: int | None = None) -> TrainLog:
    """Train a compiled batch-1 (stateful) model like the seeds' loop, many epochs per graph call.

    Same maths as the seed recipe (``for e in range(epochs): model.fit(x, y, epochs=1, batch_size=1,
    shuffle=False); model.reset_states()``): one optimizer step per window, windows in order, the RNN states
    reset at the start of every epoch. The epochs run inside one ``tf.function`` (XLA-compiled when
    ``jit_compile``; one compilation serves every call) instead of one ``fit`` call (data adapter, callbacks, a
    Python step loop) per epoch.

    ``stop_when_perfect``: after an epoch in which every window was right, the graph checks the model as it now
    is (states reset, every window in order, no update) and stops there when all are right: for a stateful model
    that is 100% train accuracy and the whole song played back without a wrong note.
    ``check(model)`` is called every ``check_every`` epochs (states reset around it) and logged; training stops as
    soon as ``until(result)`` is true. ``time_budget_s`` stops between graph calls once spent.
    """
    import numpy as np
    import tensorflow as tf

    if getattr(model, "optimizer", None) is None:
        raise ValueError("compile the model first (the seeds use loss='categorical_crossentropy', optimizer='adam')")
    xs = tf.constant(np.asarray(x, dtype=np.float32))
    ys_np = np.asarray(y, dtype=np.float32)
    ys = tf.constant(ys_np)
    labels = tf.constant(ys_np.argmax(-1) if ys_np.ndim == 2 else ys_np.astype(np.int64), dtype=tf.int64)
    n = int(xs.shape[0])
    if not getattr(model, "built", True):
        model(xs[:1])  # create the weights outside the graph function
    layers = stateful_layers(model)
    reset_states(model)
    if check_every and (check is not None or until is not None):
        size = check_every
    else:
        size = chunk or (STATEFUL_CHUNK if (stop_when_perfect or time_budget_s) else epochs)
    size = max(1, min(size, epochs))
    optimizer = model.optimizer
    variables = model.trainable_variables
    if not getattr(optimizer, "built", True):
        optimizer.build(variables)  # no variable creation while tracing

    def clear_states() -> None:
        for layer in layers:
            for v in layer.states:
                v.assign(tf.zeros_like(v))

    def one_epoch():
        clear_states()
        loss_sum = tf.constant(0.0)
        hits = tf.constant(0.0)
        for i in tf.range(n):
            xi = tf.expand_dims(xs[i], 0)  # static batch 1: a stateful RNN's state shape must not vary
            yi = tf.expand_dims(ys[i], 0)
            with tf.GradientTape() as tape:
                pred = model(xi, training=True)
                loss = model.compute_loss(x=xi, y=yi, y_pred=pred, training=True)
            grads = tape.gradient(loss, variables)
            optimizer.apply_gradients(zip(grads, variables))
            loss_sum += tf.cast(loss, tf.float32)
            hits += tf.cast(tf.equal(tf.argmax(tf.reshape(pred, [-1])), labels[i]), tf.float32)
        return loss_sum / n, hits / n

    def all_right():
        clear_states()
        hits = tf.constant(0)
        for i in tf.range(n):
            pred = model(tf.expand_dims(xs[i], 0), training=False)
            hits += tf.cast(tf.equal(tf.argmax(tf.reshape(pred, [-1])), labels[i]), tf.int32)
        clear_states()
        return tf.equal(hits, n)

    def run_epochs(limit, stop):
        # The trip count is the constant ``size`` and ``limit`` a runtime value: XLA compiles once (a loop bound
        # that changes between calls would cost one compilation per value).
        losses = tf.zeros([size])
        accs = tf.zeros([size])
        done = tf.constant(0)
        perfect = tf.constant(False)
        for e in tf.range(size):
            if e >= limit:
                break
            loss, acc = one_epoch()
            losses = tf.tensor_scatter_nd_update(losses, [[e]], [loss])
            accs = tf.tensor_scatter_nd_update(accs, [[e]], [acc])
            done = e + 1
            if stop and acc >= 1.0:
                perfect = all_right()
                if perfect:
                    break
        return losses, accs, done, perfect

    log = TrainLog(jit=jit_compile)
    graph = tf.function(run_epochs, jit_compile=jit_compile, reduce_retracing=True)
    t0 = time.perf_counter()
    while log.epochs < epochs:
        k = min(size, epochs - log.epochs)
        t_chunk = time.perf_counter()
        try:
            losses, accs, done, perfect = graph(tf.constant(k), tf.constant(bool(stop_when_perfect)))
        except (tf.errors.InvalidArgumentError, tf.errors.UnimplementedError, tf.errors.InternalError) as exc:
            if not log.jit or log.epochs:
                raise
            # XLA cannot compile this model: the same graph without XLA (nothing was updated yet)
            log.jit = False
            log.notes.append(f"XLA could not compile the model ({str(exc).splitlines()[0][:120]}); trained without it")
            graph = tf.function(run_epochs, reduce_retracing=True)
            continue
        log.chunk_seconds.append(time.perf_counter() - t_chunk)
        done = int(done)
        log.loss.extend(float(v) for v in losses.numpy()[:done])
        log.accuracy.extend(float(v) for v in accs.numpy()[:done])
        log.epochs += done
        if verbose:
            print(f"epoch {log.epochs}: loss {log.loss[-1]:.4g} acc {log.accuracy[-1]:.3f}", flush=True)
        if bool(perfect):
            log.stop_reason = "perfect"
            break
        if check is not None or until is not None:
            reset_states(model)
            result = check(model) if check is not None else None
            reset_states(model)
            log.checks.append((log.epochs, result))
            if until is not None and until(result if check is not None else log):
                log.stop_reason = "until"
                break
        if time_budget_s is not None and time.perf_counter() - t0 > time_budget_s and log.epochs < epochs:
            log.stop_reason = "budget"
            break
    log.stopped_early = log.epochs < epochs
    reset_states(model)
    log.seconds = time.perf_counter() - t0
    return log


# -- the fit-based runs -------------------------------------------------------------------------------------------

def _budget_callback(budget_s: float, state: dict[str, Any]) -> Any:
    import keras

    class TimeBudget(keras.callbacks.Callback):
        """Stops training once ``budget_s`` of training time is spent (checked after every batch)."""

        def on_train_begin(self, logs: Any = None) -> None:
            state["started"] = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            state["epochs"] = epoch + 1
            line = {"epoch": epoch + 1, **{k: round(float(v), 5) for k, v in (logs or {}).items()}}
            print(json.dumps(line), flush=True)

        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            if time.perf_counter() - state["started"] > budget_s:
                state["budget"] = True
                self.model.stop_training = True

    return TimeBudget()


def _reset_callback() -> Any:
    import keras

    class ResetStates(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            reset_states(self.model)

    return ResetStates()


def jena_generator(data: Any, lookback: int, delay: int, min_index: int, max_index: int | None, shuffle: bool,
                   batch_size: int, step: int, rng: Any) -> Any:
    """The seeds' (DLwP listing 6.33) generator; ``rng`` (seeded) instead of the global ``np.random``."""
    import numpy as np

    if max_index is None:
        max_index = len(data) - delay - 1
    i = min_index + lookback
    while True:
        if shuffle:
            rows = rng.randint(min_index + lookback, max_index, size=batch_size)
        else:
            if i + batch_size >= max_index:
                i = min_index + lookback
            rows = np.arange(i, min(i + batch_size, max_index))
            i += len(rows)
        offsets = np.arange(-lookback, 0, step)
        samples = data[rows[:, None] + offsets[None, :]].astype(np.float32)
        targets = data[rows + delay, 1].astype(np.float32)
        yield samples, targets


def _fit(model: Any, arrays: dict[str, Any], recipe: dict[str, Any], mode: str, seed: int, notes: list[str],
         state: dict[str, Any]) -> dict[str, list[float]]:
    import keras
    import numpy as np

    data = recipe.get("data", {})
    epochs = int(recipe["epochs"])
    batch = int(recipe["batch_size"])
    callbacks = [_budget_callback(float(recipe["time_budget_s"]), state)]
    kwargs: dict[str, Any] = {"epochs": epochs, "verbose": 0, "callbacks": callbacks}
    if mode == "generator":  # Jena: the seeds' generators over the normalised series
        series = np.asarray(arrays["x_train"], dtype=np.float32)
        rng = np.random.RandomState(seed)
        train_lo, train_hi = data.get("train_range", (0, 200000))
        val_lo, val_hi = data.get("val_range", (200001, 300000))
        lookback, delay = int(data.get("lookback", 1440)), int(data.get("delay", 144))
        common: dict[str, Any] = {"lookback": lookback, "delay": delay, "step": int(data.get("step", 6)),
                                  "batch_size": batch, "rng": rng}
        train_hi = min(int(train_hi), len(series) - delay - 1)
        val_hi = min(int(val_hi), len(series) - delay - 1)
        x = jena_generator(series, min_index=int(train_lo), max_index=train_hi, shuffle=True, **common)
        kwargs["steps_per_epoch"] = int(data.get("steps_per_epoch", 500))
        kwargs["shuffle"] = False  # the training generator draws shuffled rows itself (the seeds' shuffle=True)
        if data.get("validation_steps") and val_hi > int(val_lo) + lookback:
            kwargs["validation_data"] = jena_generator(series, min_index=int(val_lo), max_index=val_hi,
                                                       shuffle=False, **common)
            kwargs["validation_steps"] = int(data["validation_steps"])
        y = None
    else:
        x = fit_inputs(model, arrays["x_train"], notes)
        y = arrays["y_train"]
        kwargs["batch_size"] = batch
        if arrays.get("x_val") is not None and arrays.get("y_val") is not None:
            kwargs["validation_data"] = (fit_inputs(model, arrays["x_val"], []), arrays["y_val"])
        elif recipe.get("validation_split"):
            kwargs["validation_split"] = float(recipe["validation_split"])
        if data.get("validation") == "test":
            notes.append("the seed validates on the test set; its labels never enter the sandbox, so this run "
                         "has no validation curve")
    if data.get("early_stopping_patience"):
        monitor = "val_loss" if ("validation_data" in kwargs or "validation_split" in kwargs) else "loss"
        callbacks.append(keras.callbacks.EarlyStopping(monitor=monitor, patience=int(data["early_stopping_patience"])))
    if mode == "stateful":  # the seeds' loop, through fit: one epoch at a time in order, states reset each epoch
        callbacks.append(_reset_callback())
        kwargs["shuffle"] = False
    history = model.fit(x, y, **kwargs) if y is not None else model.fit(x, **kwargs)
    reset_states(model)
    return {k: [float(v) for v in values] for k, values in history.history.items()}


def _train_stateful(model: Any, arrays: dict[str, Any], recipe: dict[str, Any], task: dict[str, Any],
                    notes: list[str], state: dict[str, Any]) -> dict[str, list[float]]:
    """The stateful song recipe: the fast trainer when the model takes batch 1, else the seeds' fit loop."""
    batch = fixed_batch_size(model)
    if batch not in (None, 1):
        notes.append(f"the model's batch is fixed at {batch}: trained with fit one epoch at a time")
        return _fit(model, arrays, {**recipe, "batch_size": batch}, "stateful", int(task.get("seed", 0)), notes,
                    state)
    x = fit_inputs(model, arrays["x_train"], notes)
    log = train_stateful_fast(model, x, arrays["y_train"], int(recipe["epochs"]),
                              stop_when_perfect=bool(task.get("stop_when_perfect")),
                              time_budget_s=float(recipe["time_budget_s"]))
    notes.extend(log.notes)
    state["epochs"] = log.epochs
    state["budget"] = log.stop_reason == "budget"
    state["stop_reason"] = log.stop_reason
    state["compile_s"] = round(log.chunk_seconds[0], 3) if log.chunk_seconds else None
    print(json.dumps({"epochs": log.epochs, "seconds": round(log.seconds, 3), "stop": log.stop_reason,
                      "jit": log.jit}), flush=True)
    return {"loss": log.loss, "accuracy": log.accuracy}


# -- the task ---------------------------------------------------------------------------------------------------

def _build(task: dict[str, Any], workdir: Path, out: Path) -> bool:
    """What a structure job does: ``build_model()`` (or the script's model, short-circuited), saved as
    ``model.keras``. Training then starts from that file. Returns whether the file ran as a script."""
    from . import tasks

    model_task = {**task, "kind": "model"}
    scripts = getattr(tasks, "_scripts", None)
    if scripts is not None and scripts.is_script(model_task, workdir):
        scripts.run_script(model_task, workdir, out)
        return True
    tasks.run_model(model_task, workdir, out)
    return False


def run_train(task: dict[str, Any], workdir: Path, out: Path) -> None:
    """Build, train, save. Errors while building propagate (the job is an error); errors while training are
    recorded in ``outputs.json`` and the untrained model stays, so the structure can still be graded."""
    import keras

    from . import tasks

    script = _build(task, workdir, out)
    model = keras.saving.load_model(out / "model.keras", safe_mode=True, compile=False)
    module = None if script else sys.modules.get(Path(task["file"]).stem)
    requested = getattr(module, "TRAINING", None) if module is not None else None
    recipe, notes = effective_recipe(task["recipe"], requested, fixed_batch_size(model))
    if script:
        notes.append("the script's own training was skipped; the model it builds was trained with the "
                     "assignment's recipe")
    report: dict[str, Any] = {"recipe": {k: v for k, v in recipe.items() if k != "data"}, "notes": notes,
                              "history": {}, "epochs_planned": int(recipe["epochs"])}
    state: dict[str, Any] = {"epochs": 0, "budget": False}
    started = time.perf_counter()
    try:
        arrays = read_arrays(Path(task["data_dir"]) / "train.npz")
        model.compile(optimizer=make_optimizer(recipe["optimizer"], recipe.get("learning_rate")),
                      loss=recipe["loss"], metrics=list(recipe.get("metrics", ())))
        if task["mode"] == "stateful":
            history = _train_stateful(model, arrays, recipe, task, notes, state)
        else:
            history = _fit(model, arrays, recipe, task["mode"], int(task.get("seed", 0)), notes, state)
        report["history"] = history
        report["trained"] = True
    except Exception as exc:  # the student's model may not fit the data: say so, keep the model
        report["training_error"] = tasks.describe(exc, workdir)
        report["trained"] = False
    report["train_seconds"] = round(time.perf_counter() - started, 3)
    report["epochs_run"] = int(state.get("epochs") or 0)
    report["stopped"] = "budget" if state.get("budget") else state.get("stop_reason", "")
    if state.get("compile_s") is not None:
        report["first_call_s"] = state["compile_s"]
    if report.get("trained"):
        tmp = out / "tmp-model.keras"
        model.save(tmp)
        os.replace(tmp, out / "model.keras")
    (out / "outputs.json").write_text(json.dumps(_finite(report)))


def _finite(value: Any) -> Any:
    """JSON without NaN/Infinity (a diverged loss is reported as null)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value
