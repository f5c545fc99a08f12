"""Keras 2 spellings, run with Keras 3 meaning. Runs INSIDE the sandbox, in the child, before any student code.

The lecture notes (``../shared/seeds``) are Keras 2 code from 2017-2019, and students copy them as they are:
``np_utils.to_categorical``, ``Adam(lr=...)``, ``fit_generator``, ``LSTM(batch_input_shape=...)``,
``model.reset_states()``, ``from keras.layers.recurrent import LSTM``. Keras 3 removed those spellings but kept
their meaning; :func:`install` maps each one onto its Keras 3 equivalent *in memory* (the student's file is never
rewritten) and records a note for every equivalence actually used, which the feedback shows (:func:`notes`).
Where there is no modern meaning, :func:`hint` names the modern spelling in the error message.

Standard library at module level only: ``keras`` and ``tensorflow`` are imported when :func:`install` runs (the
zygote has imported them already). :func:`uninstall` undoes everything (tests use it in-process).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import types
from typing import Any

#: Notes in the order they were first used; key -> sentence.
_NOTES: dict[str, str] = {}
#: What install() changed, to undo: (owner, attribute, previous value or _MISSING).
_SAVED: list[tuple[Any, str, Any]] = []
_MISSING = object()
_FINDER: _AliasFinder | None = None


def note(key: str, text: str) -> None:
    """Record that an equivalence was used (once per key)."""
    _NOTES.setdefault(key, text)


def notes() -> list[str]:
    """The equivalences used so far, as sentences for the feedback."""
    return list(_NOTES.values())


def clear_notes() -> None:
    _NOTES.clear()


def patch(owner: Any, name: str, value: Any, saved: list[tuple[Any, str, Any]] | None = None) -> None:
    """``owner.name = value``, its previous value (or its absence) kept in ``saved`` (:func:`install`'s own list by
    default) for :func:`restore`: the one way the jail's layers (this one, ``scripts.py``) patch and undo."""
    (_SAVED if saved is None else saved).append((owner, name, owner.__dict__.get(name, _MISSING)
                                                 if hasattr(owner, "__dict__") else getattr(owner, name, _MISSING)))
    setattr(owner, name, value)



def restore(saved: list[tuple[Any, str, Any]]) -> None:
    """Undo what :func:`patch` recorded in ``saved``, newest first, and empty it."""
    for owner, name, value in reversed(saved):
        if value is _MISSING:
            try:
                delattr(owner, name)
            except AttributeError:
                pass
        else:
            setattr(owner, name, value)
    saved.clear()


# -- removed modules: keras.utils.np_utils, keras.layers.recurrent, ... ---------------------------------------

#: Keras 2 module (relative to ``keras``) -> (Keras 3 module it now lives in, what the note says).
MODULES: dict[str, tuple[str, str]] = {
    "utils.np_utils": ("keras.utils", "keras.utils.np_utils.{name} → keras.utils.{name}"),
    "utils.generic_utils": ("keras.utils", "keras.utils.generic_utils.{name} → keras.utils.{name}"),
    "utils.data_utils": ("keras.utils", "keras.utils.data_utils.{name} → keras.utils.{name}"),
    "utils.vis_utils": ("keras.utils", "keras.utils.vis_utils.{name} → keras.utils.{name}"),
    "layers.core": ("keras.layers", "keras.layers.core → keras.layers"),
    "layers.recurrent": ("keras.layers", "keras.layers.recurrent → keras.layers"),
    "layers.convolutional": ("keras.layers", "keras.layers.convolutional → keras.layers"),
    "layers.convolutional_recurrent": ("keras.layers", "keras.layers.convolutional_recurrent → keras.layers"),
    "layers.embeddings": ("keras.layers", "keras.layers.embeddings → keras.layers"),
    "layers.pooling": ("keras.layers", "keras.layers.pooling → keras.layers"),
    "layers.wrappers": ("keras.layers", "keras.layers.wrappers → keras.layers"),
    "layers.normalization": ("keras.layers", "keras.layers.normalization → keras.layers"),
    "layers.merge": ("keras.layers", "keras.layers.merge → keras.layers"),
    "layers.noise": ("keras.layers", "keras.layers.noise → keras.layers"),
    "layers.advanced_activations": ("keras.layers", "keras.layers.advanced_activations → keras.layers"),
    "preprocessing.text": ("keras._tf_keras.keras.preprocessing.text",
                           "keras.preprocessing.text.{name} → the legacy keras.src.legacy.preprocessing.text.{name} "
                           "(Keras 3 spelling: keras.layers.TextVectorization)"),
}
#: Prefixes under which the same module is imported: ``keras.x``, ``tensorflow.keras.x``, tf.keras' own name.
PREFIXES = ("keras.", "tensorflow.keras.", "keras._tf_keras.keras.", "tensorflow.python.keras.")
#: Names Keras 2 had in a module that Keras 3 keeps elsewhere (or under another name).
RENAMED = {
    "CuDNNLSTM": ("keras.layers", "LSTM", "CuDNNLSTM → keras.layers.LSTM (Keras 3 uses cuDNN by itself when it can)"),
    "CuDNNGRU": ("keras.layers", "GRU", "CuDNNGRU → keras.layers.GRU (Keras 3 uses cuDNN by itself when it can)"),
    "TimeseriesGenerator": ("keras._tf_keras.keras.preprocessing.sequence", "TimeseriesGenerator",
                            "keras.preprocessing.sequence.TimeseriesGenerator → the legacy one "
                            "(Keras 3 spelling: keras.utils.timeseries_dataset_from_array)"),
    "skipgrams": ("keras._tf_keras.keras.preprocessing.sequence", "skipgrams",
                  "keras.preprocessing.sequence.skipgrams → the legacy one"),
    "make_sampling_table": ("keras._tf_keras.keras.preprocessing.sequence", "make_sampling_table",
                            "keras.preprocessing.sequence.make_sampling_table → the legacy one"),
}


def _alias_module(fullname: str, target: str, text: str) -> types.ModuleType:
    """A module whose attributes are ``target``'s, noting the equivalence when one is first read."""
    module = types.ModuleType(fullname, f"Keras 2 module {fullname}; in Keras 3: {target}")

    def __getattr__(name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        real = importlib.import_module(target)
        if hasattr(real, name):
            value = getattr(real, name)
        elif name in RENAMED:
            value = _renamed(name)
        else:
            raise AttributeError(f"module {fullname!r} has no attribute {name!r} (Keras 3 has no {target}.{name})")
        note(f"module:{fullname.split('keras.')[-1]}", text.format(name=name))
        return value

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    module.__dict__["__grader_alias__"] = target  # a mark of ours on the module
    return module


def _renamed(name: str) -> Any:
    where, new, text = RENAMED[name]
    note(f"renamed:{name}", text)
    return getattr(importlib.import_module(where), new)


class _AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Last on ``sys.meta_path``: answers only for Keras 2 module names no real module has."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if _relative(fullname) in MODULES:
            return importlib.machinery.ModuleSpec(fullname, self)
        if _legacy(fullname):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        if _relative(spec.name) not in MODULES:
            return _legacy_module(spec.name)
        target, text = MODULES[_relative(spec.name)]
        return _alias_module(spec.name, target, text)

    def exec_module(self, module: types.ModuleType) -> None:
        pass


def _relative(fullname: str) -> str:
    for prefix in PREFIXES:
        if fullname.startswith(prefix):
            return fullname[len(prefix):]
    return ""


# -- private and removed modules: tensorflow.python.keras.applications, keras.engine, ... -----------------------

#: Modules gone with Keras 2 and TensorFlow's private copy of it, relative to ``keras``: a missing module under
#: these (or anywhere under ``tensorflow.python.keras.``) imports; each name read from it is the Keras 3 object of
#: that name when there is one, else a stand-in that fails only when used. An unused import costs nothing.
LEGACY = ("engine", "layers.experimental", "wrappers.scikit_learn")
#: Where a name read from such a module is looked for, after ``keras.<same module>`` when that exists.
_MODERN = ("keras.layers", "keras.models", "keras", "keras.utils", "keras.callbacks", "keras.optimizers",
           "keras.applications", "keras.losses", "keras.metrics")
#: What to use instead, for stand-ins.
_INSTEAD = {"wrappers": "Keras 3 spells the scikit-learn wrappers keras.wrappers.SKLearnClassifier and "
                        "SKLearnRegressor"}


def _legacy(fullname: str) -> bool:
    if fullname.startswith("tensorflow.python.keras."):
        return True
    relative = _relative(fullname)
    return any(relative == r or relative.startswith(r + ".") for r in LEGACY)


def _legacy_module(fullname: str) -> types.ModuleType:
    """A package answering each name with its Keras 3 equivalent (noted), else a :class:`_Removed` stand-in."""
    relative = _relative(fullname)
    places = [f"keras.{relative}", *_MODERN] if relative and not _legacy(f"keras.{relative}") else list(_MODERN)
    module = types.ModuleType(fullname, f"removed module {fullname}: the grader's stand-in")
    module.__path__ = []  # a package: ``import keras.engine.topology`` reaches this finder again

    def __getattr__(name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        for place in places:
            try:
                owner = importlib.import_module(place)
            except ImportError:
                continue
            if hasattr(owner, name):
                note(f"legacy:{fullname}.{name}", f"{fullname}.{name} → {place}.{name} (the module is gone from "
                     "Keras 3 and TensorFlow 2.21; the name lives on)")
                return getattr(owner, name)
        instead = next((text for key, text in _INSTEAD.items() if relative.startswith(key)), "")
        note(f"legacy:{fullname}.{name}", f"{fullname}.{name} has no Keras 3 equivalent: the import was let "
             "through with a stand-in that fails only if used" + (f" ({instead})" if instead else ""))
        return _Removed(f"{fullname}.{name}", instead)

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    module.__dict__["__grader_alias__"] = fullname  # a mark of ours on the module
    return module


class _Removed:
    """A name from a removed module: importing it is harmless, calling it, subclassing it or reading from it
    raises an error that says what happened."""

    def __init__(self, name: str, instead: str) -> None:
        self._name, self._instead = name, instead

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        raise ImportError(f"{self._name} does not exist in Keras 3 / TensorFlow 2.21 (the grader let its import "
                          "through, but it cannot be used)" + (f": {self._instead}" if self._instead else
                                                              ": import the Keras 3 equivalent from keras"))

    __call__ = _fail

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self._fail()

    def __mro_entries__(self, bases: tuple) -> tuple:
        return self._fail()


def _install_modules() -> None:
    global _FINDER
    _FINDER = _AliasFinder()
    sys.meta_path.append(_FINDER)
    import keras

    # ``keras.utils.np_utils.to_categorical(...)`` after a bare ``import keras`` reads attributes, never imports.
    for relative, (target, text) in MODULES.items():
        parent_name, _, child = f"keras.{relative}".rpartition(".")
        parent = sys.modules.get(parent_name)
        if parent is not None and not hasattr(parent, child):
            patch(parent, child, _alias_module(f"keras.{relative}", target, text))
    layers = keras.layers
    for name in ("CuDNNLSTM", "CuDNNGRU"):
        if not hasattr(layers, name):
            patch(layers, name, _LazyRenamed(name))
    sequence = importlib.import_module("keras.preprocessing.sequence")

    def _sequence_getattr(name: str) -> Any:
        if name in RENAMED:
            return _renamed(name)
        raise AttributeError(f"module 'keras.preprocessing.sequence' has no attribute {name!r}")

    if "__getattr__" not in sequence.__dict__:
        patch(sequence, "__getattr__", _sequence_getattr)


class _LazyRenamed:
    """``keras.layers.CuDNNLSTM``: behaves as the Keras 3 class it became, noting it when used."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _renamed(self.name)(*args, **kwargs)

    def __instancecheck__(self, instance: Any) -> bool:
        return isinstance(instance, _renamed(self.name))


# -- removed methods and arguments ----------------------------------------------------------------------------

_FIT_GENERATOR_ARGS = ("generator", "steps_per_epoch", "epochs", "verbose", "callbacks", "validation_data",
                       "validation_steps", "validation_freq", "class_weight", "max_queue_size", "workers",
                       "use_multiprocessing", "shuffle", "initial_epoch")
_EVALUATE_GENERATOR_ARGS = ("generator", "steps", "callbacks", "max_queue_size", "workers", "use_multiprocessing",
                            "verbose")
_PREDICT_GENERATOR_ARGS = _EVALUATE_GENERATOR_ARGS
#: Keras 2 arguments of the *_generator methods that Keras 3's fit/evaluate/predict do not take (no meaning now).
_DROPPED = ("max_queue_size", "workers", "use_multiprocessing")


def _generator_call(method: str, names: tuple[str, ...]) -> Any:
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs = {**dict(zip(names, args)), **kwargs}
        data = kwargs.pop("generator", None)
        for name in _DROPPED:
            kwargs.pop(name, None)
        if method == "fit" and "validation_freq" in kwargs and kwargs["validation_freq"] == 1:
            kwargs.pop("validation_freq")
        if hasattr(data, "__next__"):  # Keras 2 took any iterator of arrays; Keras 3 wants generators of tuples
            data = (_as_tuple(item) for item in data)
        if method == "fit" and isinstance(data, types.GeneratorType):
            kwargs.setdefault("shuffle", False)  # Keras 2 never shuffled a generator; Keras 3 warns it cannot
        note(f"method:{method}_generator", f"model.{method}_generator(...) → model.{method}(...) "
             "(Keras 3 takes generators in fit/evaluate/predict)")
        return getattr(self, method)(data, **kwargs)

    call.__name__ = f"{method}_generator"
    return call


def _as_tuple(item: Any) -> Any:
    if isinstance(item, tuple):
        return item
    if isinstance(item, list) and len(item) in (2, 3):
        return tuple(item)
    return (item,)


def _predict_classes(self: Any, x: Any, batch_size: int = 32, verbose: Any = 0, **kwargs: Any) -> Any:
    import numpy as np

    note("method:predict_classes", "model.predict_classes(x) → np.argmax(model.predict(x), axis=-1) "
         "(or (p > 0.5) for one sigmoid output)")
    probs = np.asarray(self.predict(x, batch_size=batch_size, verbose=verbose, **kwargs))
    if probs.ndim and probs.shape[-1] > 1:
        return probs.argmax(axis=-1)
    return (probs > 0.5).astype("int32")


def _predict_proba(self: Any, x: Any, batch_size: int = 32, verbose: Any = 0, **kwargs: Any) -> Any:
    note("method:predict_proba", "model.predict_proba(x) → model.predict(x)")
    return self.predict(x, batch_size=batch_size, verbose=verbose, **kwargs)


def _reset_states(self: Any) -> None:
    note("method:reset_states", "model.reset_states() → reset_states() of each stateful layer "
         "(Keras 3 models have no reset_states)")
    for layer in self._flatten_layers(include_self=False, recursive=True):
        if getattr(layer, "stateful", False) and hasattr(layer, "reset_states"):
            layer.reset_states()


def _install_model_methods() -> None:
    import keras

    model = keras.Model
    for method, names in (("fit", _FIT_GENERATOR_ARGS), ("evaluate", _EVALUATE_GENERATOR_ARGS),
                          ("predict", _PREDICT_GENERATOR_ARGS)):
        if not hasattr(model, f"{method}_generator"):
            patch(model, f"{method}_generator", _generator_call(method, names))
    for name, value in (("predict_classes", _predict_classes), ("predict_proba", _predict_proba),
                        ("reset_states", _reset_states)):
        if not hasattr(model, name):
            patch(model, name, value)
    fit = model.fit

    def compat_fit(self: Any, *args: Any, **kwargs: Any) -> Any:
        if "nb_epoch" in kwargs:
            note("arg:nb_epoch", "fit(nb_epoch=...) → fit(epochs=...)")
            kwargs["epochs"] = kwargs.pop("nb_epoch")
        return fit(self, *args, **kwargs)

    compat_fit.__wrapped__ = fit  # type: ignore[attr-defined]
    patch(model, "fit", compat_fit)
    save_weights, load_weights = model.save_weights, model.load_weights

    def compat_save_weights(self: Any, filepath: Any, *args: Any, **kwargs: Any) -> Any:
        return save_weights(self, _weights_path(filepath), *args, **kwargs)

    def compat_load_weights(self: Any, filepath: Any, *args: Any, **kwargs: Any) -> Any:
        import os

        modern = _weights_path(filepath)
        if modern != filepath and not os.path.exists(str(filepath)) and os.path.exists(modern):
            filepath = modern
        return load_weights(self, filepath, *args, **kwargs)

    patch(model, "save_weights", compat_save_weights)
    patch(model, "load_weights", compat_load_weights)


def _weights_path(filepath: Any) -> Any:
    text = str(filepath)
    if text.endswith((".h5", ".hdf5")) and not text.endswith(".weights.h5"):
        modern = text.rsplit(".", 1)[0] + ".weights.h5"
        note("arg:weights.h5", f"weights file {text!r} → {modern!r} (Keras 3 names weights files *.weights.h5)")
        return modern
    return filepath


def _install_layer_args() -> None:
    """``batch_input_shape=(1, 4, 1)`` (and ``batch_size=`` with ``input_shape=``) on a first layer → an Input."""
    import keras
    from keras.src.layers.layer import Layer

    init = Layer.__init__

    def layer_init(self: Any, *args: Any, **kwargs: Any) -> None:
        batch_shape = kwargs.pop("batch_input_shape", None)
        batch_size = kwargs.pop("batch_size", None) if "batch_size" in kwargs and \
            ("input_shape" in kwargs or "input_dim" in kwargs) else None
        if batch_size is not None:
            shape = kwargs.pop("input_shape", None) or (kwargs.pop("input_dim"),)
            batch_shape = (batch_size, *tuple(shape))
        init(self, *args, **kwargs)
        if batch_shape is not None:
            batch_shape = tuple(batch_shape)
            self._input_shape_arg = batch_shape[1:]
            self._grader_batch_shape = batch_shape
            note("arg:batch_input_shape", f"{type(self).__name__}(batch_input_shape={batch_shape}) → "
                 f"keras.Input(batch_shape={batch_shape}) as the first layer")

    patch(Layer, "__init__", layer_init)
    add = keras.Sequential.add

    def sequential_add(self: Any, layer: Any, *args: Any, **kwargs: Any) -> Any:
        batch_shape = getattr(layer, "_grader_batch_shape", None)
        if not self._layers and batch_shape is not None:
            add(self, keras.layers.InputLayer(batch_shape=batch_shape), *args, **kwargs)
        return add(self, layer, *args, **kwargs)

    patch(keras.Sequential, "add", sequential_add)


def _install_optimizers() -> None:
    """``Adam(lr=0.001)`` → ``learning_rate``; Keras 2 ``decay=`` → the same inverse-time schedule."""
    from keras.src.optimizers.base_optimizer import BaseOptimizer

    init = BaseOptimizer.__init__

    def optimizer_init(self: Any, *args: Any, **kwargs: Any) -> None:
        name = type(self).__name__
        if "lr" in kwargs:
            lr = kwargs.pop("lr")
            if args:
                args = (lr, *args[1:])
            else:
                kwargs["learning_rate"] = lr
            note(f"arg:lr:{name}", f"{name}(lr={lr:g}) → {name}(learning_rate={lr:g})" if isinstance(lr, float)
                 else f"{name}(lr=...) → {name}(learning_rate=...)")
        decay = kwargs.pop("decay", None)
        if decay:
            import keras

            rate = args[0] if args else kwargs.get("learning_rate")
            if isinstance(rate, (int, float)):
                schedule = keras.optimizers.schedules.InverseTimeDecay(float(rate), decay_steps=1,
                                                                       decay_rate=float(decay))
                if args:
                    args = (schedule, *args[1:])
                else:
                    kwargs["learning_rate"] = schedule
                note(f"arg:decay:{name}", f"{name}(decay={decay:g}) → learning_rate="
                     f"keras.optimizers.schedules.InverseTimeDecay({rate:g}, decay_steps=1, decay_rate={decay:g}), "
                     "the same lr / (1 + decay · step)")
        init(self, *args, **kwargs)

    patch(BaseOptimizer, "__init__", optimizer_init)


def _install_callbacks() -> None:
    """``history.history['acc']`` ↔ ``['accuracy']``; ``ModelCheckpoint('best.hdf5')``, which Keras 3 refuses,
    keeps its Keras 2 name and format (legacy HDF5); weights-only checkpoints get the ``.weights.h5`` name."""
    import keras

    history_init = keras.callbacks.History.__init__

    def init_history(self: Any) -> None:
        history_init(self)
        self.history = HistoryDict()

    patch(keras.callbacks.History, "__init__", init_history)
    checkpoint_init = keras.callbacks.ModelCheckpoint.__init__

    def init_checkpoint(self: Any, filepath: Any, *args: Any, **kwargs: Any) -> None:
        text = str(filepath)
        weights_only = kwargs.get("save_weights_only", args[3] if len(args) > 3 else False)
        if weights_only and text.endswith((".h5", ".hdf5")) and not text.endswith(".weights.h5"):
            checkpoint_init(self, _weights_path(text), *args, **kwargs)
            return
        if not weights_only and text.endswith(".hdf5"):
            checkpoint_init(self, text + ".keras", *args, **kwargs)  # Keras 3 refuses the name, not the format:
            self.filepath = text  # model.save('best.hdf5') still writes legacy HDF5, and so does the checkpoint
            note("arg:checkpoint.hdf5", f"ModelCheckpoint({text!r}): Keras 3 refuses a .hdf5 name; the compatibility "
                 f"layer lets it write the legacy HDF5 file model.save({text!r}) writes (Keras 3 spelling: "
                 f"{text[:-5] + '.keras'!r})")
            return
        checkpoint_init(self, filepath, *args, **kwargs)

    patch(keras.callbacks.ModelCheckpoint, "__init__", init_checkpoint)


class HistoryDict(dict):
    """``History.history`` that answers Keras 2 metric names: ``acc`` for ``accuracy`` and back."""

    _ALIASES = {"acc": "accuracy", "val_acc": "val_accuracy", "accuracy": "acc", "val_accuracy": "val_acc"}

    def __missing__(self, key: str) -> Any:
        other = self._ALIASES.get(key)
        if other is not None and dict.__contains__(self, other):
            note("history:acc", f"history.history[{key!r}] → history.history[{other!r}] "
                 "(Keras 3 names the metric after what compile() was given)")
            return self[other]
        raise KeyError(key)


def _install_tensorflow() -> None:
    import tensorflow as tf

    def set_random_seed(seed: int) -> None:
        note("tf:set_random_seed", "tf.set_random_seed(seed) → tf.random.set_seed(seed)")
        tf.random.set_seed(seed)

    if not hasattr(tf, "set_random_seed"):
        patch(tf, "set_random_seed", set_random_seed)
    if not hasattr(tf.random, "set_random_seed"):
        patch(tf.random, "set_random_seed", set_random_seed)


def install() -> None:
    """Install every equivalence (idempotent). Call before the student's code runs."""
    if _SAVED or _FINDER is not None:
        return
    _install_modules()
    _install_model_methods()
    _install_layer_args()
    _install_optimizers()
    _install_callbacks()
    _install_tensorflow()


def uninstall() -> None:
    """Undo :func:`install` (for tests that run it in-process)."""
    global _FINDER
    restore(_SAVED)
    if _FINDER is not None and _FINDER in sys.meta_path:
        sys.meta_path.remove(_FINDER)
    _FINDER = None
    for name in [n for n, m in sys.modules.items() if getattr(m, "__grader_alias__", None)]:
        del sys.modules[name]


#: Error text -> the modern spelling, for what has no Keras 3 meaning (or was not mapped).
HINTS = (
    ("get_ipython", "get_ipython() exists only inside Jupyter: the grader skips magics and shell lines, "
                    "but not other uses of the IPython shell"),
    ("no attribute 'Session'", "tf.Session is TensorFlow 1: TensorFlow 2 runs eagerly, drop the session"),
    ("no attribute 'placeholder'", "tf.placeholder is TensorFlow 1: use keras.Input"),
    ("set_session", "keras.backend.set_session is gone: TensorFlow 2 needs no session"),
    ("multi_gpu_model", "multi_gpu_model is gone: use tf.distribute.MirroredStrategy"),
    ("keras.optimizers.legacy", "keras.optimizers.legacy is gone: use keras.optimizers.Adam(learning_rate=...)"),
    ("URL fetch failure", "nothing is downloaded inside the grader: use keras.datasets.*.load_data(), "
                          "which the grader serves"),
    ("input_length", "Keras 3 Embedding has no input_length: start the model with keras.Input((length,))"),
    ("cannot import name 'Merge'", "the Merge layer is gone: use keras.layers.concatenate / add / multiply"),
    ("nb_epoch", "nb_epoch is Keras 1: use epochs="),
    ("tensorflow.python.keras", "tensorflow.python.keras is TensorFlow's private copy of Keras 2, which Keras 3 models "
                                "cannot use: import the same names from keras (keras.layers, keras.models)"),
    ("{'output_dim'", "output_dim is Keras 1: Dense(units) / Embedding(input_dim, output_dim)"),
)


def hint(text: str) -> str:
    """The modern spelling for an error message's Keras 2 / TF 1 name, or ``""``."""
    return next((h for key, h in HINTS if key in text), "")
