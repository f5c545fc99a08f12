"""Grade the scripts and notebooks students actually write, unchanged. Runs INSIDE the sandbox, in the child.

A student's file for a model assignment that defines no ``build_model()`` is a tutorial-style script: it loads
data, builds a model, compiles, trains, plots. :func:`run_script` runs it as ``__main__`` and records every Keras
model the student's code constructs or compiles (with the line that built it). With ``task["short_circuit"]``
(``--checks structure``) training, evaluation, prediction, saving, plots and sleeps return at once with
placeholder results shaped as Keras returns them (:class:`ShortCircuit`), so the script costs about what
``build_model()`` costs; without it (a later ``--checks train``) they run for real. The same stand-ins run the
top-level code of every file the grader imports (:func:`stand_ins`). The model that best matches the
assignment's reference (``task["reference"]``, a fingerprint of layer classes, output shapes and parameter
counts) is saved; ``info.json`` says which one and where. A notebook runs cell by cell, each on its own, going on
past a cell that fails (``cells.run_cells``); a script that breaks after building a model still has that model
graded, with the error in a note.

:func:`prepare` runs before any student code, whatever the task: the Keras 2 compatibility layer
(``compat.py``), the grader's data (``served.py``: placeholders with the real structure unless ``task["data"]``
names served files; test labels never enter the sandbox), and a stand-in for ``IPython.display`` when IPython is
not installed (``ipython_stub.py``). :func:`finish` adds the notes (``run_state.py``) to ``info.json``.

The script layer, module by module: ``cells`` (a file's sources and magics, cells run one by one), ``served``
(data), ``ipython_stub``, ``run_state`` (notes, patches, state), and this module (script or module? the
stand-ins, the models recorded and the one chosen).

Standard library at module level only (``keras``/``numpy`` are imported inside functions; the zygote has them).
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import difflib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import compat
from .cells import CELL_LABEL, Failure, Feedback, failure_notes, file_sources, main_failure, one_line, place, run_cells
from .ipython_stub import IPythonStub, Null, Shell, display
from .run_state import NOTES, SAVED, STATE, note, patch
from .served import KERAS_DATASETS, install_data

# -- script or module? ---------------------------------------------------------------------------------------

def is_script(task: dict[str, Any], workdir: Path) -> bool:
    """True when the model task's file binds no ``task["entry"]`` at top level: it is run as a script.

    Decided from the source (nothing runs): a ``def``, an assignment or an import of the name counts, so does a
    ``from helper import *`` of a sibling module that binds it. A ``.py`` that does not parse is a module (the
    import reports the syntax error); a notebook's cells (or an exported notebook's) that do not parse are left
    out, as running it skips them.
    """
    if task.get("kind") != "model" or task.get("mode") == "module":
        return False
    path = workdir / task["file"]
    try:
        sources = file_sources(path, task["file"])
    except (OSError, ValueError, Feedback):
        return False
    trees = []
    for label, source in sources:
        try:
            trees.append(ast.parse(source))
        except (SyntaxError, ValueError):
            if not CELL_LABEL.match(label):  # a whole .py that does not parse
                return False
    entry = task.get("entry", "build_model")
    return not any(_binds(tree, entry, path.parent, workdir) for tree in trees)


def _binds(tree: ast.Module, name: str, folder: Path, workdir: Path, depth: int = 0) -> bool:
    for node in _top_level(tree.body):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == name:
            return True
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == name for target in targets for t in ast.walk(target)):
                return True
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if (alias.asname or alias.name.split(".")[0]) == name:
                    return True
                if alias.name == "*" and isinstance(node, ast.ImportFrom) and node.module and depth < 2:
                    for base in (folder, workdir):
                        helper = base / (node.module.replace(".", "/") + ".py")
                        try:
                            if helper.is_file() and _binds(ast.parse(helper.read_text(encoding="utf-8")), name,
                                                           folder, workdir, depth + 1):
                                return True
                        except (OSError, ValueError, SyntaxError):
                            pass
    return False


def _top_level(body: list[ast.stmt]) -> list[ast.stmt]:
    """Statements run at import: the module body and the bodies of its if/try/with/for/while blocks."""
    found = []
    for node in body:
        found.append(node)
        if isinstance(node, ast.If) and _is_main_guard(node.test):
            found.extend(_top_level(node.orelse))  # runs only as a script: what it defines is no entry point
            continue
        if isinstance(node, (ast.If, ast.For, ast.While, ast.With, ast.Try)):
            for field in ("body", "orelse", "finalbody"):
                found.extend(_top_level(getattr(node, field, []) or []))
            for handler in getattr(node, "handlers", []) or []:
                found.extend(_top_level(handler.body))
    return found


def _is_main_guard(test: ast.expr) -> bool:
    """``__name__ == "__main__"`` (either way round)."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, *test.comparators]
    return any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides) and \
        any(isinstance(s, ast.Constant) and s.value == "__main__" for s in sides)


# -- before any student code: every task ---------------------------------------------------------------------

def prepare(task: dict[str, Any], workdir: Path) -> None:
    """The compatibility layer, the grader's data and the IPython stand-in. Never raises for a good task."""
    STATE.update({"task": task, "workdir": workdir})
    compat.install()
    install_data(task)
    if importlib.util.find_spec("IPython") is None:
        stub = IPythonStub()
        sys.meta_path.append(stub)
        STATE["ipython_stub"] = stub


def undo() -> None:
    """Undo :func:`prepare` (tests run it in-process)."""
    compat.restore(SAVED)
    stub = STATE.pop("ipython_stub", None)
    if stub is not None and stub in sys.meta_path:
        sys.meta_path.remove(stub)
    for name in [n for n in sys.modules if n == "IPython" or n.startswith("IPython.")]:
        spec = getattr(sys.modules[name], "__spec__", None)
        if isinstance(spec, importlib.machinery.ModuleSpec) and isinstance(spec.loader, IPythonStub):
            del sys.modules[name]
    compat.uninstall()
    compat.clear_notes()
    NOTES.clear()
    STATE.clear()


def finish(task: dict[str, Any], out: Path) -> None:
    """Add this run's notes (script, data, compatibility) to ``info.json``. Never raises."""
    try:
        notes = [*NOTES.values(), *_compat_summary()]
        if not notes:
            return
        info_path = out / "info.json"
        try:
            info = json.loads(info_path.read_text())
            info = info if isinstance(info, dict) else {}
        except (OSError, ValueError):
            info = {}
        existing = [str(n) for n in info.get("notes", [])] if isinstance(info.get("notes"), list) else []
        info["notes"] = existing + [n for n in notes if n not in existing]
        info_path.write_text(json.dumps(info))
    except Exception:
        pass


def _compat_summary(limit: int = 550) -> list[str]:
    """The equivalences used, in as few notes as fit ``limit`` characters each (the feedback caps a note's length)."""
    head = "Keras 2 code ran through the compatibility layer (your file is unchanged): "
    notes: list[str] = []
    for used in compat.notes():
        if notes and len(notes[-1]) + len(used) + 2 <= limit:
            notes[-1] += "; " + used
        else:
            notes.append((head if not notes else "compatibility layer, continued: ") + used)
    return notes


def hint(text: str) -> str:
    return compat.hint(text)


# -- running a script ---------------------------------------------------------------------------------------

class _Files:
    """Which code objects are the student's: the graded file (its compile labels) and anything under workdir."""

    def __init__(self, workdir: Path, label: str) -> None:
        self.workdir = str(workdir.resolve()) + os.sep
        self.raw_workdir = str(workdir) + os.sep
        self.label = label

    def owns(self, filename: str) -> bool:
        return self.is_main(filename) or filename.startswith((self.workdir, self.raw_workdir))

    def is_main(self, filename: str) -> bool:
        return filename == self.label or filename.startswith(f"{self.label}, cell ")

    def name(self, filename: str) -> str:
        for prefix in (self.workdir, self.raw_workdir):
            if filename.startswith(prefix):
                return filename[len(prefix):]
        return filename


class _Candidate:
    def __init__(self, model: Any, where: str, order: int) -> None:
        self.model = model
        self.where = where
        self.order = order
        self.compiled = False
        self.loss: Any = None


class Recorder:
    """Every Keras model the student's code constructs or compiles, with the line that did it."""

    def __init__(self, files: _Files) -> None:
        self.files = files
        self.found: dict[int, _Candidate] = {}
        self.saved: list = []

    def locate(self) -> str | None:
        """``file:line`` of the student's code behind the current model construction; None when Keras itself
        (``Sequential.build``, ``clone_model``, ``load_model``) or the grader made it."""
        frame: types.FrameType | None = sys._getframe(2)
        ours = (__file__, compat.__file__)
        inner = outer = None
        internal = False
        while frame is not None:
            code = frame.f_code
            filename = code.co_filename
            if self.files.owns(filename):
                if inner is None and code.co_name in ("__init__", "__new__"):  # a student's Model subclass
                    frame = frame.f_back
                    continue
                where = (self.files.name(filename), frame.f_lineno)
                if inner is None:
                    if internal:
                        return None
                    inner = where
                if self.files.is_main(filename):
                    outer = where
            elif inner is None and filename not in ours and code.co_name not in ("__init__", "__new__"):
                internal = True
            frame = frame.f_back
        if inner is None:
            return None
        text = place(*inner)
        if outer is not None and outer != inner:
            called = f"line {outer[1]}" if outer[0] == inner[0] else place(*outer)
            text += f" (called at {called.removeprefix(self.files.label + ', ')})"
        return text

    def record(self, model: Any) -> _Candidate | None:
        if id(model) in self.found:
            return self.found[id(model)]
        where = self.locate()
        if where is None:
            return None
        candidate = _Candidate(model, where, len(self.found))
        self.found[id(model)] = candidate
        return candidate

    def install(self) -> None:
        import keras
        from keras.src.models.functional import Functional

        for cls in (keras.Model, Functional):
            patch(cls, "__init__", self._recording(cls.__dict__["__init__"]), self.saved)
        recorder = self
        compile_ = keras.Model.compile

        def compile(model: Any, *args: Any, **kwargs: Any) -> Any:
            result = compile_(model, *args, **kwargs)
            arguments = dict(zip(("optimizer", "loss", "loss_weights", "metrics"), args)) | kwargs
            candidate = recorder.found.get(id(model)) or recorder.record(model)
            if candidate is not None:
                candidate.compiled = True
                candidate.loss = arguments.get("loss")
            _check_spelling(arguments)
            return result

        patch(keras.Model, "compile", compile, self.saved)

    def _recording(self, init: Any) -> Any:
        def __init__(model: Any, *args: Any, **kwargs: Any) -> None:
            init(model, *args, **kwargs)
            self.record(model)

        return __init__

    def uninstall(self) -> None:
        compat.restore(self.saved)

    def candidates(self) -> list[_Candidate]:
        """Recorded models, leaving out those used as a layer of another recorded model."""
        nested: set[int] = set()
        for candidate in self.found.values():
            try:
                for layer in candidate.model._flatten_layers(include_self=False, recursive=True):
                    nested.add(id(layer))
            except Exception:
                continue
        return [c for c in self.found.values() if id(c.model) not in nested]


def _check_spelling(arguments: dict[str, Any]) -> None:
    """A loss or metric name Keras does not know (``'binary_crossentrpy'``): compile() accepts it, a real fit fails
    on it. A note names the likely intended one; the model's structure is graded as written."""
    import keras

    for kind, given, known in (("loss", arguments.get("loss"), _known_loss),
                               ("metric", arguments.get("metrics"), _known_metric)):
        for name in _flat(given):
            if not isinstance(name, str) or known(name):
                continue
            names = _names(keras.losses) + (["accuracy", "acc", *_names(keras.metrics)] if kind == "metric" else [])
            guess = difflib.get_close_matches(name.lower(), names, n=1, cutoff=0.6)
            meant = f" (did you mean {guess[0]!r}?)" if guess else ""
            note(f"{kind}:{name}", f"{kind} {name!r} is not a Keras {kind} name{meant}: compile() accepts it but a "
                 f"real fit stops with \"Could not interpret {kind} identifier: {name}\"; your model's structure is "
                 "graded as written")


def _names(module: Any) -> list[str]:
    """The lower-case public names of ``keras.losses`` / ``keras.metrics`` (the string identifiers they take)."""
    return [n for n in dir(module) if n.islower() and not n.startswith("_")
            and n not in ("get", "serialize", "deserialize")]


def _known_loss(name: str) -> bool:
    import keras

    try:
        return keras.losses.get(name) is not None
    except (ValueError, TypeError):
        return False


def _known_metric(name: str) -> bool:
    import keras

    if name.lower() in ("acc", "accuracy", "crossentropy", "ce"):
        return True
    try:
        return keras.metrics.get(name) is not None
    except (ValueError, TypeError):
        return False


class ShortCircuit:
    """Training, evaluation, prediction, saving, plots and sleeps return at once, with results shaped as real Keras
    returns them for that model and call (constructed from the compiled model, never computed: no step runs).

    ``fit`` gives a real ``History`` with one value per requested epoch under each name Keras would use (``loss``,
    each compiled metric as the student named it, ``val_*`` with validation data); ``evaluate`` gives
    ``[loss, *metrics]`` (a float without metrics, a dict with ``return_dict=True``); ``predict`` an array of shape
    ``(samples, *output_shape)``. Values are placeholders (0.0). What a real call would reject at once is rejected
    the same way: data against the model's input shape, word indices against the Embedding's vocabulary, labels
    against the loss, batch sizes against a stateful model's fixed batch.
    """

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
        self.saved: list = []
        self.paths: dict[str, Any] = {}
        self.checked: set[tuple] = set()
        self.names: dict[tuple, list[str]] = {}
        self.hook: _AfterImport | None = None

    def install(self) -> None:
        import time

        import keras

        model = keras.Model
        self.real_load_weights = model.load_weights
        self.real_load_model = sys.modules["keras.src.saving.saving_api"].load_model
        for name, value in (("fit", self.fit), ("evaluate", self.evaluate), ("predict", self.predict),
                            ("train_on_batch", self.train_on_batch), ("test_on_batch", self.test_on_batch),
                            ("predict_on_batch", self.predict_on_batch), ("save", self.save),
                            ("save_weights", self.save), ("load_weights", self.load_weights)):
            patch(model, name, _method(value), self.saved)
        for module_name in ("keras.src.saving.saving_api", "keras.saving", "keras.models",
                            "keras._tf_keras.keras.models", "keras.src.models"):
            module = sys.modules.get(module_name)
            if module is None:
                continue
            if hasattr(module, "load_model"):
                patch(module, "load_model", self.load_model, self.saved)
            if hasattr(module, "save_model"):
                patch(module, "save_model", lambda m, path, *a, **k: self.save(m, path), self.saved)
        for module_name in ("keras.src.utils.model_visualization", "keras.utils", "keras._tf_keras.keras.utils"):
            module = sys.modules.get(module_name)
            for name in ("plot_model", "model_to_dot"):
                if module is not None and hasattr(module, name):
                    patch(module, name, self.plot, self.saved)
        patch(time, "sleep", lambda *a, **k: None, self.saved)
        # Nothing trains, so there are no states to reset (2000 resets cost seconds of TensorFlow ops).
        from keras.src.layers.rnn.bidirectional import Bidirectional
        from keras.src.layers.rnn.rnn import RNN

        for cls in (RNN, Bidirectional):
            for name in ("reset_state", "reset_states"):
                patch(cls, name, lambda *a, **k: None, self.saved)
        self.hook = _AfterImport("matplotlib.pyplot", self.quiet_pyplot)
        if "matplotlib.pyplot" in sys.modules:
            self.quiet_pyplot(sys.modules["matplotlib.pyplot"])
        else:
            sys.meta_path.insert(0, self.hook)

    def uninstall(self) -> None:
        compat.restore(self.saved)
        if self.hook is not None and self.hook in sys.meta_path:
            sys.meta_path.remove(self.hook)

    def used(self, what: str) -> None:
        note("short_circuit", "model.fit, evaluate and predict in your file returned at once with placeholder results "
             "(zeros, in the shapes Keras returns): grading does not run your training; nothing was saved and no plot "
             "was drawn")

    # -- the stand-ins --
    def fit(self, model: Any, *args: Any, **kwargs: Any) -> Any:
        import keras

        self.used("fit")
        call = {**dict(zip(_FIT_ARGS, args)), **kwargs}
        if "nb_epoch" in call:
            compat.note("arg:nb_epoch", "fit(nb_epoch=...) → fit(epochs=...)")
            call.setdefault("epochs", call.pop("nb_epoch"))
        self.check_fit(model, call.get("x"), call.get("y"))
        samples = _samples(call.get("x"))
        self.check_batches(model, samples, call.get("batch_size"), "fit")
        try:
            epochs = int(call.get("epochs", 1))
            initial = int(call.get("initial_epoch") or 0)
        except (TypeError, ValueError):
            epochs, initial = 1, 0
        count = max(0, min(epochs - initial, MAX_EPOCHS))
        names = sorted(self.result_names(model))
        validation = call.get("validation_data") is not None or _positive(call.get("validation_split"))
        history = keras.callbacks.History()  # compat's: answers history['acc'] for 'accuracy' and back
        for name in names + ([f"val_{n}" for n in names] if validation else []):
            history.history[name] = [0.0] * count
        history.epoch = list(range(initial, initial + count))
        steps = call.get("steps_per_epoch") or (-(-samples // int(call.get("batch_size") or 32)) if samples else None)
        history.params = {"verbose": call.get("verbose", "auto"), "epochs": epochs, "steps": steps}
        history.set_model(model)
        model.history = history
        return history

    def evaluate(self, model: Any, *args: Any, **kwargs: Any) -> Any:
        self.used("evaluate")
        call = {**dict(zip(_EVALUATE_ARGS, args)), **kwargs}
        self.check_batches(model, _samples(call.get("x")), call.get("batch_size"), "evaluate")
        return self.scores(model, call.get("return_dict"))

    def train_on_batch(self, model: Any, *args: Any, **kwargs: Any) -> Any:
        call = {**dict(zip(("x", "y", "sample_weight", "class_weight", "return_dict"), args)), **kwargs}
        return self.on_batch(model, call, "train_on_batch")

    def test_on_batch(self, model: Any, *args: Any, **kwargs: Any) -> Any:
        call = {**dict(zip(("x", "y", "sample_weight", "return_dict"), args)), **kwargs}
        return self.on_batch(model, call, "test_on_batch")

    def on_batch(self, model: Any, call: dict[str, Any], what: str) -> Any:
        self.used(what)
        samples = _samples(call.get("x"))
        self.check_batches(model, samples, samples, what)
        return self.scores(model, call.get("return_dict"))

    def scores(self, model: Any, as_dict: Any) -> Any:
        names = self.result_names(model)
        if as_dict:
            return {name: 0.0 for name in names}
        return [0.0] * len(names) if len(names) > 1 else 0.0

    def result_names(self, model: Any) -> list[str]:
        """``loss``, per-output losses, then each compiled metric under its Keras name (cached per compile)."""
        key = (id(model), id(getattr(model, "_compile_metrics", None)), id(getattr(model, "_compile_loss", None)))
        if key not in self.names:
            self.names[key] = _result_names(model)
        return self.names[key]

    def predict(self, model: Any, *args: Any, **kwargs: Any) -> Any:
        self.used("predict")
        call = {**dict(zip(("x", "batch_size", "verbose", "steps", "callbacks"), args)), **kwargs}
        x = call.get("x")
        samples = _samples(x)
        if samples is None:
            samples, x = _generated(x, call.get("steps"))
        self.check_batches(model, samples, call.get("batch_size"), "predict")
        return _placeholder_outputs(model, samples, x)

    def predict_on_batch(self, model: Any, x: Any = None, **kwargs: Any) -> Any:
        self.used("predict")
        samples = _samples(kwargs.get("x", x)) or 1
        self.check_batches(model, samples, samples, "predict_on_batch")
        return _placeholder_outputs(model, samples, x)

    def check_batches(self, model: Any, samples: int | None, batch_size: Any, what: str) -> None:
        """A stateful model takes only batches of its fixed size: Keras fails on any other, so does this."""
        fixed = _stateful_batch(model)
        if fixed is None or not samples:
            return
        try:
            size = int(batch_size) if batch_size else 32
        except (TypeError, ValueError):
            return
        sizes = ({size} if samples >= size else set()) | ({samples % size} if samples % size else set())
        if sizes - {fixed}:
            given = f"batch_size={size}" if batch_size else "the default batch_size=32"
            raise ValueError(f"model.{what}(...): the model is stateful with a fixed batch size of {fixed}, but "
                             f"{samples} samples with {given} make batches of {', '.join(map(str, sorted(sizes)))}; "
                             f"Keras refuses that: pass batch_size={fixed}")

    def save(self, model: Any, filepath: Any = None, *args: Any, **kwargs: Any) -> None:
        self.used("save")
        self.paths[os.fspath(filepath) if filepath is not None else ""] = model

    def load_weights(self, model: Any, filepath: Any = None, *args: Any, **kwargs: Any) -> None:
        path = os.fspath(filepath) if filepath is not None else ""
        if path in self.paths or not os.path.exists(path):
            note("load_weights", f"load_weights({path!r}) did nothing: structure checks never train, so the file a "
                 "training run writes does not exist")
            return None
        return self.real_load_weights(model, filepath, *args, **kwargs)

    def load_model(self, filepath: Any, *args: Any, **kwargs: Any) -> Any:
        path = os.fspath(filepath)
        if path in self.paths:
            return self.paths[path]
        if os.path.exists(path):
            return self.real_load_model(filepath, *args, **kwargs)
        recorded = self.recorder.candidates()
        if recorded:
            last = max(recorded, key=lambda c: (c.compiled, c.order))
            note("load_model", f"load_model({path!r}) gave back the model built at {last.where}: structure checks "
                 "never train, so nothing was saved")
            return last.model
        raise FileNotFoundError(f"load_model({path!r}): no such file, and the script built no model before; "
                                "structure checks never train, so files a training run writes do not exist")

    def plot(self, *args: Any, **kwargs: Any) -> Any:
        self.used("plot")
        return Null()

    def quiet_pyplot(self, pyplot: types.ModuleType) -> None:
        for name in ("show", "savefig", "pause", "draw", "ion"):
            if hasattr(pyplot, name):
                patch(pyplot, name, lambda *a, **k: None, self.saved)
        figure = sys.modules.get("matplotlib.figure")
        if figure is not None:
            for name in ("savefig", "show"):
                patch(figure.Figure, name, lambda *a, **k: None, self.saved)

    # -- what a real fit would reject at once --
    def check_fit(self, model: Any, x: Any, y: Any) -> None:
        import numpy as np

        if not isinstance(x, np.ndarray) or x.dtype == object:
            return
        key = (id(model), id(x), id(y))
        if key in self.checked:
            return
        self.checked.add(key)
        if model.built and len(getattr(model, "inputs", None) or []) == 1:
            expected = tuple(model.inputs[0].shape)
            if not _fits(tuple(x.shape), expected):
                raise ValueError(f"model.fit(x, ...): x has shape {tuple(x.shape)} but the model takes inputs of shape "
                                 f"{expected}; reshape the data or change the model's input")
        embedding = _first_embedding(model)
        if embedding is not None and x.dtype.kind in "iuf" and x.size:
            largest = int(x.max())
            if largest >= embedding.input_dim:
                raise ValueError(f"model.fit(x, ...): the data holds word index {largest:,} but "
                                 f"Embedding({embedding.input_dim:,}, ...) only takes indices below "
                                 f"{embedding.input_dim:,}: load_data(num_words=...) and the Embedding's input_dim "
                                 "must agree")
        if isinstance(y, np.ndarray) and y.dtype != object:
            self.check_labels(model, y)

    def check_labels(self, model: Any, y: Any) -> None:
        candidate = self.recorder.found.get(id(model))
        loss = candidate.loss if candidate is not None else getattr(model, "loss", None)
        name = loss if isinstance(loss, str) else getattr(loss, "__name__", type(loss).__name__)
        name = str(name).lower()
        units = _output_shape(model)[-1]
        if units is None:
            return
        if name in ("categorical_crossentropy", "categoricalcrossentropy") and (y.ndim == 1 or y.shape[-1] != units):
            raise ValueError(f"model.fit(x, y): categorical_crossentropy needs one-hot labels of shape (N, {units}) "
                             f"but y has shape {tuple(y.shape)}: use keras.utils.to_categorical(y, {units}) or "
                             "loss='sparse_categorical_crossentropy'")
        if name in ("sparse_categorical_crossentropy", "sparsecategoricalcrossentropy") and y.ndim == 2 and \
                y.shape[-1] > 1:
            raise ValueError(f"model.fit(x, y): sparse_categorical_crossentropy takes class numbers, but y has shape "
                             f"{tuple(y.shape)} (one-hot): use loss='categorical_crossentropy' or pass the class "
                             "numbers")
        if name in ("binary_crossentropy", "binarycrossentropy") and y.ndim == 2 and y.shape[-1] != units:
            raise ValueError(f"model.fit(x, y): binary_crossentropy compares y of shape {tuple(y.shape)} with "
                             f"{units} output(s): they must agree")


@contextlib.contextmanager
def stand_ins(task: dict[str, Any], workdir: Path) -> Iterator[Recorder]:
    """The stand-ins a script runs under, for a module the grader imports (``build_model()`` or a graded function):
    one set for every kind of assignment, so tutorial code at the top of the file (fit, evaluate, a stateful
    predict, plots) neither trains nor breaks on a placeholder that real Keras would not give."""
    recorder = Recorder(_Files(workdir, Path(task["file"]).name))
    recorder.install()
    short = ShortCircuit(recorder)
    try:
        short.install()
        yield recorder
    finally:
        short.uninstall()
        recorder.uninstall()


#: Keras' positional arguments of fit and evaluate (Keras 2 and 3 agree on these).
_FIT_ARGS = ("x", "y", "batch_size", "epochs", "verbose", "callbacks", "validation_split", "validation_data",
             "shuffle", "class_weight", "sample_weight", "initial_epoch", "steps_per_epoch", "validation_steps")
_EVALUATE_ARGS = ("x", "y", "batch_size", "verbose", "sample_weight", "steps", "callbacks", "return_dict")
#: More epochs than this (``epochs=10**6`` loops) get this many placeholder values.
MAX_EPOCHS = 10_000


def _method(function: Any) -> Any:
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        return function(self, *args, **kwargs)

    method.__name__ = getattr(function, "__name__", "method")
    return method


def _positive(value: Any) -> bool:
    try:
        return float(value or 0) > 0
    except (TypeError, ValueError):
        return False


def _samples(x: Any) -> int | None:
    """How many samples ``x`` holds (an array, a list of arrays, a dict of arrays), or None (a generator...)."""
    if isinstance(x, dict):
        x = next(iter(x.values()), None)
    if isinstance(x, (list, tuple)) and x and hasattr(x[0], "shape"):
        x = x[0]
    shape = getattr(x, "shape", None)
    if shape is not None:
        try:
            return int(shape[0]) if len(shape) else 1
        except (TypeError, ValueError, IndexError):
            return None
    if isinstance(x, (list, tuple)):
        return len(x)
    return None


def _generated(x: Any, steps: Any) -> tuple[int, Any]:
    """Samples a generator, ``PyDataset`` or ``tf.data`` input would give over ``steps`` batches (its first batch
    read for the batch size), and that first batch's inputs."""
    try:
        if hasattr(x, "__getitem__") and hasattr(x, "__len__"):
            first, batches = x[0], len(x)
        else:
            first, batches = next(x) if hasattr(x, "__next__") else next(iter(x)), 1
        batches = int(steps) if steps else batches
        inputs = first[0] if isinstance(first, (tuple, list)) and len(first) in (1, 2, 3) else first
        return (_samples(inputs) or 1) * batches, inputs
    except Exception:
        return 1, None


def _placeholder_outputs(model: Any, samples: int, x: Any) -> Any:
    """Zeros of shape ``(samples, *output_shape)`` (a list of them for several outputs); unknown dimensions are the
    input's (a sequence output as long as its input) or 1."""
    import numpy as np

    first = x[0] if isinstance(x, (list, tuple)) and x and hasattr(x[0], "shape") else x
    known = tuple(getattr(first, "shape", ()) or ())
    arrays = [np.zeros((samples, *[d if d is not None else (known[i] if i < len(known) else 1)
                                   for i, d in enumerate(shape[1:], start=1)]), dtype="float32")
              for shape in _output_shapes(model)]
    return arrays if len(arrays) > 1 else arrays[0]


def _stateful_batch(model: Any) -> int | None:
    """The fixed batch size of a model with a stateful layer, or None."""
    try:
        if not any(getattr(layer, "stateful", False) for layer in model._flatten_layers(include_self=False)):
            return None
        batch = model.inputs[0].shape[0] if model.built and getattr(model, "inputs", None) else None
        return int(batch) if batch is not None else None
    except Exception:
        return None


def _output_names(model: Any) -> list[str]:
    try:
        return [str(n) for n in model.output_names] if len(getattr(model, "outputs", None) or []) > 1 else []
    except Exception:
        return []


def _result_names(model: Any) -> list[str]:
    """What ``evaluate`` returns, by name: ``loss``, each output's loss when there are several, each metric."""
    outputs = _output_names(model)
    names = ["loss", *(f"{name}_loss" for name in outputs)]
    compiled = getattr(model, "_compile_metrics", None)
    if compiled is None:
        return names
    given = (compiled._user_metrics, compiled._user_weighted_metrics)
    try:
        import keras
        from keras.src.trainers.compile_utils import CompileMetrics

        fresh = CompileMetrics(*given, output_names=outputs or None)  # the model's own stays unbuilt
        y = [keras.ops.zeros(tuple(d or 1 for d in shape)) for shape in _output_shapes(model)]
        fresh.build(y if outputs else y[0], y if outputs else y[0])
        return names + [metric.name for metric in fresh.metrics]
    except Exception:
        return names + [_metric_name(m) for m in _flat(given)]


def _flat(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [item for v in value.values() for item in _flat(v)]
    if isinstance(value, (list, tuple)):
        return [item for v in value for item in _flat(v)]
    return [] if value is None else [value]


def _metric_name(metric: Any) -> str:
    return metric if isinstance(metric, str) else str(getattr(metric, "name", getattr(metric, "__name__", "metric")))


def _fits(shape: tuple, expected: tuple) -> bool:
    """Would a real fit accept data of ``shape`` for inputs of ``expected``? (Keras adjusts a trailing 1.)"""
    if len(shape) == len(expected) + 1 and shape[-1] == 1:
        shape = shape[:-1]
    elif len(shape) + 1 == len(expected) and expected[-1] == 1:
        expected = expected[:-1]
    return len(shape) == len(expected) and all(e is None or s == e for s, e in zip(shape[1:], expected[1:]))


def _first_embedding(model: Any) -> Any:
    layers = [layer for layer in getattr(model, "layers", []) if type(layer).__name__ != "InputLayer"]
    if layers and type(layers[0]).__name__ == "Embedding":
        return layers[0]
    return None


def _output_shapes(model: Any) -> list[tuple]:
    try:
        if model.built:
            if getattr(model, "outputs", None):
                return [tuple(output.shape) for output in model.outputs]
            return [tuple(model.output_shape)]
    except Exception:
        pass
    for layer in reversed(getattr(model, "layers", [])):
        units = getattr(layer, "units", None)
        if isinstance(units, int):
            return [(None, units)]
    return [(None, 1)]


def _output_shape(model: Any) -> tuple:
    return _output_shapes(model)[0]


class _AfterImport(importlib.abc.MetaPathFinder):
    """Calls ``then(module)`` once ``name`` has been imported (first on ``sys.meta_path``, answers nothing)."""

    def __init__(self, name: str, then: Any) -> None:
        self.name = name
        self.then = then
        self.busy = False

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != self.name or self.busy:
            return None
        self.busy = True
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            self.busy = False
        if spec is None or spec.loader is None:
            return spec
        loader, then = spec.loader, self.then

        class _Loader(importlib.abc.Loader):
            def create_module(self, spec: importlib.machinery.ModuleSpec) -> Any:
                return loader.create_module(spec)

            def exec_module(self, module: types.ModuleType) -> None:
                loader.exec_module(module)
                then(module)

        spec.loader = _Loader()
        return spec


def _execute(path: Path, label: str, workdir: Path) -> list[Failure]:
    """Run the file as ``__main__``, in its own folder: a ``.py`` as ``python file.py`` would, a notebook cell by
    cell as Jupyter's "Run All" does with errors allowed (:func:`run_cells`). Returns what failed on the way."""
    module = types.ModuleType("__main__")
    module.__file__ = str(path)
    module.__dict__["__builtins__"] = builtins
    namespace = module.__dict__
    sources = file_sources(path, label)
    if path.suffix == ".ipynb" or any("get_ipython" in source for _, source in sources):
        namespace["get_ipython"] = lambda: Shell(namespace)
        namespace["display"] = display
    saved_main, saved_argv, saved_path = sys.modules.get("__main__"), sys.argv, list(sys.path)
    sys.modules["__main__"] = module
    sys.argv = [path.name]
    sys.path[:0] = [str(path.parent), str(workdir)]
    cwd = os.getcwd()
    os.chdir(path.parent)
    try:
        return run_cells(sources, namespace)
    finally:
        os.chdir(cwd)
        sys.path[:] = saved_path
        sys.argv = saved_argv
        if saved_main is not None:
            sys.modules["__main__"] = saved_main


def save_model(model: Any, out: Path, task: dict[str, Any]) -> None:
    """What the trusted side gets of a model: its architecture only (``model.json``, the Keras config) when the
    task says ``save: config`` (structural checks set their own weights), else the whole ``model.keras``.

    ``model.json`` leaves out the compile settings: structure checks never use them, and a loss name Keras does not
    know (``'binary_crossentrpy'``, noted when compiled) must not void a model whose structure is right."""
    if task.get("save") == "config":
        config = json.loads(model.to_json())
        config["compile_config"] = None
        (out / "model.json").write_text(json.dumps(config))
    else:
        model.save(out / "model.keras")


def run_script(task: dict[str, Any], workdir: Path, out: Path) -> None:
    """Run the task's file as a script, then save the model that best matches the reference.

    Errors of the student's code after a model was built are notes; a run that leaves no gradable model (none
    built, or only empty or unbuildable ones) is an error that quotes the student's own error and line.
    """
    label = task["file"]
    path = workdir / label
    recorder = Recorder(_Files(workdir, label))
    recorder.install()
    short = ShortCircuit(recorder) if task.get("short_circuit", True) else None
    if short is not None:
        short.install()
    try:
        found = _execute(path, label, workdir)
    finally:
        if short is not None:
            short.uninstall()
        recorder.uninstall()
    candidates = recorder.candidates()
    entry = task.get("entry", "build_model")
    chosen, built_note, refused = choose(candidates, task)
    if chosen is None:
        raise _no_model(label, entry, candidates, refused, found)
    try:
        save_model(chosen.model, out, task)
    except Exception as exc:
        raise Feedback(f"the model built at {chosen.where} cannot be saved for checking: {one_line(exc)}") from None
    counted = " (code cells are counted from 1)" if path.suffix == ".ipynb" and not found else ""
    notes = [f"ran {label} as a script (it defines no {entry}()); graded the model built at {chosen.where}{counted}"]
    if len(candidates) > 1:
        others = [_short(c.where, label) + (f" ({refused[id(c)].split(':')[0]})" if id(c) in refused else "")
                  for c in candidates if c is not chosen]
        notes.append(f"{len(candidates)} models were built; graded the one from {_short(chosen.where, label)}, which "
                     f"matches the assignment best (also seen: {'; '.join(others)})")
    if built_note:
        notes.append(built_note)
    if found and not found[0].cell:
        notes.append(f"the script stopped at {_where(found[0].exc, recorder.files)} with {one_line(found[0].exc)}; "
                     "the model it had built is graded")
    else:
        notes.extend(failure_notes(found, "its model is graded"))
    notes.extend(_vocabulary_notes(chosen.model))
    info = {"notes": notes, "script": {"where": chosen.where, "models": len(candidates),
                                       "candidates": [{"where": c.where, "compiled": c.compiled} for c in candidates]}}
    (out / "info.json").write_text(json.dumps(info))


def _short(where: str, label: str) -> str:
    """``cell 4, line 2`` or ``line 12`` for a place in the graded file itself (other files keep their name)."""
    if where.startswith(label + ", cell "):
        return where[len(label) + 2:]
    if where.startswith(label + ":"):
        return "line " + where[len(label) + 1:]
    return where


def _no_model(label: str, entry: str, candidates: list[_Candidate], refused: dict[int, str],
              found: list[Failure]) -> BaseException:
    """The error of a script that left nothing to grade: the student's own error first (it is why), then what became
    of the models it started."""
    models = [f"the model created at {c.where} {refused[id(c)]}" for c in candidates if id(c) in refused]
    if found:
        exc = main_failure(found, entry)
        if models:
            exc.add_note("; ".join(models[:3]) + " as a result")
        return exc
    if models:
        empty = any(text == "has no layers" for text in refused.values())
        return Feedback("; ".join(models[:3]) + (": add its layers (model.add(...)) before compiling it" if empty
                                                 else ""))
    return Feedback(f"{label} defines no {entry}() function, and run as a script it built no Keras model")


def _where(exc: BaseException, files: _Files) -> str:
    if isinstance(exc, SyntaxError) and exc.filename:
        return place(files.name(exc.filename), exc.lineno)
    found = "?"
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if files.owns(filename):
            found = place(files.name(filename), tb.tb_lineno)
        tb = tb.tb_next
    return found




def choose(candidates: list[_Candidate], task: dict[str, Any]) -> tuple[_Candidate | None, str, dict[int, str]]:
    """The candidate that matches the reference best on the full comparison, earliest on ties.

    Compared as the trusted checks compare (``_distance``): layer classes, each layer's output shape (which is
    where ``return_sequences`` shows), parameter counts, the total. Without a fingerprint, the last compiled model
    wins. A model with no layers, or one that cannot be built with the assignment's input shape, is never chosen:
    the trusted side would have nothing to check. Returns the chosen one (None if none is usable), the note on
    building it, and why each refused one was refused (by ``id`` of the candidate).
    """
    reference = task.get("reference") or {}
    ranked = bool(reference.get("layers") or reference.get("totals"))
    scored: list[tuple[tuple, _Candidate]] = []
    notes: dict[int, str] = {}
    refused: dict[int, str] = {}
    for candidate in candidates:
        usable, text = ensure_built(candidate.model, task)
        if not usable:
            refused[id(candidate)] = text
            continue
        if text:
            notes[id(candidate)] = text
        key = (*_distance(candidate.model, reference), candidate.order) if ranked else \
            (not candidate.compiled, -candidate.order)
        scored.append((key, candidate))
    if not scored:
        return None, "", refused
    best = min(scored, key=lambda item: item[0])[1]
    return best, notes.get(id(best), ""), refused


def ensure_built(model: Any, task: dict[str, Any]) -> tuple[bool, str]:
    """Make ``model`` gradable: ``(True, note)`` — the note says when the grader built it with the assignment's
    input shape (as for ``build_model()``) — or ``(False, why not)``, e.g. ``"has no layers"``."""
    import keras

    def empty() -> bool:
        return not [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]

    if empty() and isinstance(model, keras.Sequential):  # a subclassed model may create its layers in build()
        return False, "has no layers"
    note_text = ""
    if not (model.built and getattr(model, "inputs", None)):
        shape = tuple(task.get("batch_shape") or ())
        if not shape:
            return False, "was never built, and the assignment states no input shape to build it with"
        try:
            try:
                model(keras.Input(batch_shape=shape, dtype=task.get("dtype", "float32")))
            except Exception:
                model.build(shape)
        except Exception as exc:
            return False, f"cannot be built with the assignment's input shape {shape}: {one_line(exc)}"
        note_text = f"the model was left unbuilt; the grader built it with input shape {shape}"
    if empty():
        return False, "has no layers"
    try:
        model.count_params()
    except Exception as exc:
        return False, f"cannot be built: {one_line(exc)}"
    return True, note_text


def _rows(model: Any) -> list[tuple[str, int, tuple | None]]:
    """(class, parameters, output shape) per layer as the trusted checks see them (harness/checks/layers.py): no
    InputLayer, and ``Dense`` followed by ``Activation`` is one ``Dense``."""
    rows: list[tuple[str, int, tuple | None]] = []
    merged = False
    previous: Any = None
    for layer in model.layers:
        cls = type(layer).__name__
        if cls == "InputLayer":
            continue
        try:
            shape: tuple | None = tuple(layer.output.shape)
        except Exception:
            shape = None
        if cls == "Activation" and rows and rows[-1][0] == "Dense" and not merged and \
                getattr(getattr(previous, "activation", None), "__name__", "") == "linear":
            rows[-1] = (rows[-1][0], rows[-1][1], shape)
            merged = True
            continue
        rows.append((cls, int(layer.count_params()), shape))
        merged, previous = False, layer
    return rows


def _same_shape(a: tuple, b: tuple) -> bool:
    return len(a) == len(b) and all(x == y or x is None or y is None for x, y in zip(a, b))


def _distance(model: Any, reference: dict[str, Any]) -> tuple[int, int, float]:
    """How far ``model`` is from the reference fingerprint: (checks that would fail among layer classes, output
    shapes, parameter counts and the total; layers that differ; |total − the reference's total|)."""
    mine = _rows(model)
    ref_layers = [(str(c), int(p)) for c, p in reference.get("layers", [])]
    ref_shapes = [tuple(s) if isinstance(s, (list, tuple)) else None for s in reference.get("shapes", [])]
    totals = [int(t) for t in reference.get("totals", [])]
    total = int(model.count_params())
    matcher = difflib.SequenceMatcher(a=[r[0] for r in mine], b=[c for c, _ in ref_layers], autojunk=False)
    classes = shapes = params = 0
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op != "equal":
            classes += max(a2 - a1, b2 - b1)
            continue
        for k in range(a2 - a1):
            _, count, shape = mine[a1 + k]
            params += count != ref_layers[b1 + k][1]
            expected = ref_shapes[b1 + k] if b1 + k < len(ref_shapes) else None
            shapes += shape is not None and expected is not None and not _same_shape(shape, expected)
    failed = (classes > 0) + (shapes > 0) + (params > 0) + (bool(totals) and total not in totals)
    return failed, classes + shapes + params, float(abs(total - totals[0])) if totals else 0.0


def _vocabulary_notes(model: Any) -> list[str]:
    notes = []
    embedding = _first_embedding(model)
    for name, kwargs in (STATE.get("loaded") or {}).items():
        words = kwargs.get("num_words")
        vocabulary = name in KERAS_DATASETS and KERAS_DATASETS[name].vocabulary
        if embedding is not None and vocabulary and words and int(words) != embedding.input_dim:
            notes.append(f"{name}.load_data(num_words={words}) but the graded model's Embedding takes "
                         f"{embedding.input_dim:,} words: the two should agree")
    return notes
