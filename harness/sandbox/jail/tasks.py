"""What a sandboxed child does with a student's code. Runs INSIDE the sandbox, never in the grader.

This file is bound read-only into the sandbox with its siblings (``jail/``): it may import only the standard
library, numpy, keras and those siblings, relatively (the ``harness`` package and the reference are not there).

A task is a dict the trusted side wrote (``task.pkl``). The child leaves its products in the output
folder; the trusted side treats every one of them as hostile data:

- ``model``: import the student's module, call its entry point, build the model if the student left it
  unbuilt, save ``model.json`` (its Keras config: structural checks set their own weights) or, when the
  task asks, the whole ``model.keras``. The trusted side loads it in Keras' safe mode and checks it itself.
- ``function``: call the student's function on each case and save the returns as ``outputs.npz``
  (no pickles), to be compared on the trusted side.

``error.json`` carries a human message (type, text, file:line) for the feedback. It is never a verdict.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import traceback
import types
from pathlib import Path
from typing import Any

#: Files without an entry point run as scripts; the Keras 2 compatibility layer; the grader's data (scripts.py).
from . import cells, protocol, run_state
from . import scripts as _scripts


def strip_magics(source: str) -> str:
    """Skip ``%matplotlib inline``, ``!pip install ...``, ``%%`` cell magics and ``get_ipython()`` lines, keeping
    line numbers (see ``cells.strip_magics``)."""
    return cells.strip_magics(source)


def load_student_module(workdir: Path, filename: str) -> types.ModuleType:
    """Import ``filename`` (a .py or .ipynb in ``workdir``) as a module; sibling modules import as usual.

    An error does not end the import (``scripts.run_cells``): a ``.py`` keeps what it defined before the line that
    failed, a notebook runs every cell, as Jupyter's "Run All" with errors allowed. :func:`entry_point` then
    decides whether what failed matters.
    """
    path = workdir / filename
    name = path.stem
    sys.path.insert(0, str(workdir))
    module = types.ModuleType(name)
    module.__file__ = str(path)
    sys.modules[name] = module
    cells.run_cells(cells.file_sources(path, path.name), module.__dict__)
    return module


def entry_point(module: types.ModuleType, name: str) -> Any:
    """``module.<name>``, the function graded, as the file defined it; None when it did not define it.

    What failed while the file ran becomes a note when ``name`` was defined anyway (a function at line 10 is graded
    even if line 80 fails; a notebook cell that raised after it is a note, not a 0). When ``name`` was never
    defined because the code that defines it failed (a syntax error in its cell, an error on a line before its
    ``def``), that failure is raised instead: it is the reason, in the student's terms.
    """
    found = getattr(module, name, None)
    failed = cells.failures()
    if callable(found):
        graded = f"{name}() is graded as the notebook defined it" if failed and failed[0].cell else \
            f"{name}(), defined before that line, is graded"
        for text in cells.failure_notes(failed, graded):
            run_state.note(f"failures:{name}", text)
        return found
    if cells.defining_failure(failed, name) is not None:
        raise cells.main_failure(failed, name)
    return found


def where(exc: BaseException, workdir: Path) -> str:
    """``file:line`` of the innermost frame in the student's own files (or the syntax error's line)."""
    if isinstance(exc, SyntaxError) and exc.filename:
        return cells.place(Path(exc.filename).name, exc.lineno)
    found = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        name = frame.filename
        if name.startswith(str(workdir)):
            found = cells.place(Path(name).name, frame.lineno)
        elif not os.path.isabs(name) and not name.startswith("<"):
            found = cells.place(name, frame.lineno)
    return found


_HINTS = (
    ("batch_input_shape", "Keras 3 removed batch_input_shape: start the model with keras.Input(batch_shape=(1, 4, 1))"),
    ("np_utils", "keras.utils.np_utils is gone: use keras.utils.to_categorical"),
    ("fit_generator", "fit_generator is gone: model.fit accepts generators"),
    ("predict_classes", "predict_classes is gone: use np.argmax(model.predict(x), axis=-1)"),
    ("'lr'", "Adam(lr=...) is gone: use learning_rate=..."),
    ("reset_states", "model.reset_states() is gone: call layer.reset_states() on each stateful layer"),
)


def describe(exc: BaseException, workdir: Path) -> dict[str, str]:
    """``error.json``: the student's own exception as Python names it (``NameError: name 'x' is not defined``), or
    the grader's :class:`Feedback` text alone; notes added on the way (the other failed cells) follow it."""
    if isinstance(exc, cells.Feedback):
        text = str(exc).strip()
    elif isinstance(exc, SyntaxError) and exc.msg:  # its str() repeats the file and line that "where" gives
        text = f"{type(exc).__name__}: {exc.msg}"
    else:
        text = f"{type(exc).__name__}: {exc}".strip()
    hint = next((h for key, h in _HINTS if key in text), "") or _scripts.hint(text)
    hint = "; ".join(filter(None, [hint, *map(str, getattr(exc, "__notes__", None) or [])]))
    return {"type": type(exc).__name__, "message": (text.splitlines() or [""])[0][:500],
            "where": where(exc, workdir), "hint": hint[:600]}


def _import(task: dict[str, Any], workdir: Path) -> types.ModuleType:
    """The student's module, its top-level code run under the same stand-ins as a script (scripts.stand_ins)."""
    with _scripts.stand_ins(task, workdir):
        return load_student_module(workdir, task["file"])


def run_model(task: dict[str, Any], workdir: Path, out: Path) -> None:
    import keras

    module = _import(task, workdir)
    entry = entry_point(module, task["entry"])
    if not callable(entry):
        if cells.failures():  # a .py that does not parse has no build_model() and is no script either
            raise cells.main_failure(cells.failures(), task["entry"])
        raise cells.Feedback(f"{task['file']} defines no {task['entry']}() function")
    with _scripts.stand_ins(task, workdir):
        model = entry()
    if not isinstance(model, keras.Model):
        got = "None (is `return model` missing?)" if model is None else f"a {type(model).__name__}"
        raise cells.Feedback(f"{task['entry']}() returned {got}; it must return the Keras model it builds")
    usable, text = _scripts.ensure_built(model, task)
    if not usable:  # never hand the trusted checks a model they cannot check
        raise cells.Feedback(f"the model {task['entry']}() returns {text}")
    _scripts.save_model(model, out, task)
    (out / "info.json").write_text(json.dumps({"notes": [text] if text else []}))


def _flatten(value: Any, prefix: str, arrays: dict[str, Any]) -> Any:
    """Arrays into ``arrays`` under dotted keys; returns the nesting as JSON (lists of keys)."""
    import numpy as np

    if isinstance(value, (tuple, list)) and value and all(isinstance(v, (np.ndarray, tuple, list)) for v in value) \
            and any(isinstance(v, np.ndarray) for v in value):
        return [_flatten(v, f"{prefix}.{i}", arrays) for i, v in enumerate(value)]
    array = np.asarray(value)
    if array.dtype == object:
        raise TypeError(f"returned {type(value).__name__} that is not a numeric array (ragged or mixed types)")
    arrays[prefix] = array
    return prefix


def run_function(task: dict[str, Any], workdir: Path, out: Path) -> None:
    import numpy as np

    module = _import(task, workdir)
    function = entry_point(module, task["function"])  # what failed on the way: a note, or the error
    if not callable(function):
        function = _respelled(task, module)
    if not callable(function):
        failed = cells.failures()
        if not failed:
            raise cells.Feedback(_missing_function(task, module, top_level=True))
        failure = cells.main_failure(failed, task["function"])  # the student's own error, then what to write
        failure.add_note(_missing_function(task, module, top_level=False))
        raise failure
    extra = _module_arguments(function, module, task)
    arrays: dict[str, Any] = {}
    layout: dict[str, Any] = {}
    errors: dict[str, dict[str, str]] = {}
    with _scripts.stand_ins(task, workdir):
        for index, (args, kwargs) in enumerate(task["cases"]):
            key = f"c{index}"
            try:
                value = function(*args, **kwargs, **extra)
                if task["output"].startswith("generator:"):
                    value = list(itertools.islice(value, int(task["output"].split(":")[1])))
                    layout[key] = [_flatten(item, f"{key}.{i}", arrays) for i, item in enumerate(value)]
                else:
                    layout[key] = _flatten(value, key, arrays)
            except Exception as exc:  # one bad case must not hide the others
                errors[key] = describe(exc, workdir)
    np.savez(out / "outputs.npz", **arrays)
    (out / "outputs.json").write_text(json.dumps({"layout": layout, "errors": errors}))


def _missing_function(task: dict[str, Any], module: types.ModuleType, top_level: bool) -> str:
    """What to write, in the student's terms: the file ran top-level code only, or defines other functions."""
    name, file = task["function"], Path(task["file"]).name
    wanted = f"define {task.get('signature') or name + '(...)'}"
    if task.get("returns"):
        wanted += f" returning {task['returns']}"
    defined = [n for n, v in vars(module).items() if isinstance(v, types.FunctionType) and
               getattr(v, "__module__", None) == module.__name__ and not n.startswith("_")]
    if not defined and top_level:
        return f"{file} defines no function {name}: its code runs at the top level, and the grader can only call a " \
               f"function with its test inputs; {wanted}"
    if not defined:
        return f"{file} defines no function {name}: {wanted}"
    return f"{file} defines no function {name} (it defines {', '.join(defined[:5])}): {wanted}"


def _respelled(task: dict[str, Any], module: types.ModuleType) -> Any:
    """The file's one function named like the assignment's but for case and underscores, with a note; else None.

    ``Seq2Dataset`` for ``seq2dataset`` is the lecture's function under a capitalised name: a patient grader calls
    it and says so, rather than scoring a correct function 0. Two or more such names are ambiguous: none is taken.
    """
    name = task["function"]
    wanted = name.replace("_", "").lower()
    found = [(n, v) for n, v in vars(module).items() if isinstance(v, types.FunctionType) and n != name
             and getattr(v, "__module__", None) == module.__name__ and n.replace("_", "").lower() == wanted]
    if len(found) != 1:
        return None
    spelled, function = found[0]
    run_state.note(f"respelled:{name}", f"your file names the function {spelled}, the assignment {name}: {spelled} "
                  f"is graded (Python names are case-sensitive: code that calls {name}() would not find it)")
    for text in cells.failure_notes(cells.failures(), f"{spelled}(), defined before that line, is graded"):
        run_state.note(f"failures:{name}", text)
    return function


_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth")


def _module_arguments(function: Any, module: types.ModuleType, task: dict[str, Any]) -> dict[str, Any]:
    """Values for required parameters the assignment does not pass but the file defines at module level.

    ``seq2dataset(seq, window_size, code2idx)``: the lecture's dictionary passed in rather than read as a global.
    Called with the module's ``code2idx``, with a note saying so; any other missing parameter stays missing (the
    call fails and says which).
    """
    import inspect

    try:
        signature = inspect.signature(function)
        args, kwargs = task["cases"][0] if task["cases"] else ((), {})
        bound = signature.bind_partial(*args, **kwargs)
    except (TypeError, ValueError):
        return {}
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    missing = [p for p in signature.parameters.values() if p.kind in kinds and p.default is p.empty
               and p.name not in bound.arguments]
    values = vars(module)
    if not missing or any(p.name not in values for p in missing):
        return {}
    names = list(signature.parameters)
    places = [f"{p.name} as a {_ORDINALS[i] if (i := names.index(p.name)) < len(_ORDINALS) else f'{i + 1}th'} "
              "parameter" for p in missing]
    run_state.note(f"arguments:{task['function']}", f"{task['function']} takes {' and '.join(places)}; called with "
                  f"your module-level {', '.join(p.name for p in missing)} (the assignment passes "
                  f"{len(bound.arguments)} argument{'s' if len(bound.arguments) != 1 else ''})")
    return {p.name: values[p.name] for p in missing}


#: Global Keras state that loading a model may legitimately touch (name counters, caches).
_VOLATILE_STATE = ("object_name_uids", "saving_attr_skipset_", "shared_objects/", "name_scope_stack",
                   "current_call_ctx")
#: Global entries that a load creates lazily, with the values they must then have.
_LAZY_DEFAULTS = {"global:custom_objects_scope_dict": "{}", "global:safe_mode_saving": "None",
                  "global:tracking_on": "True", "global:nnx_enabled": "False", "global:global_seed_generator": "None",
                  "global:global_random_seed": "None"}


def _legacy_state() -> tuple[Any, ...]:
    """numpy's global generator state as a tuple (``legacy=True``: name, key array, position, …)."""
    import numpy as np

    state = np.random.get_state(legacy=True)
    return state if isinstance(state, tuple) else tuple(state.values())


def keras_state() -> dict[str, str]:
    """Process-wide Keras settings a hostile archive could change while it loads (policy, floatx, registry...)."""
    import hashlib

    import keras
    import numpy as np
    from keras.src.backend.common import global_state
    from tensorflow.python.eager import context

    state = {"floatx": keras.config.floatx(), "epsilon": repr(keras.config.epsilon()),
             "image_data_format": keras.config.image_data_format(), "backend": keras.config.backend(),
             "dtype_policy": keras.config.dtype_policy().name,
             "custom_objects": repr(sorted(keras.saving.get_custom_objects())),
             # keras.utils.set_random_seed, callable from a crafted archive, reseeds every generator (Python's
             # own `random` also advances on an honest load, so numpy's and TensorFlow's stand for it)
             "numpy_random": hashlib.sha256(np.asarray(_legacy_state()[1]).tobytes()).hexdigest(),
             "tf_global_seed": repr(context.global_seed())}
    state.update({f"global:{k}": repr(v)[:300] for k, v in vars(global_state.GLOBAL_STATE_TRACKER).items()
                  if not k.startswith(_VOLATILE_STATE)})
    return state


def state_changes(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """The settings that differ; an entry created on the way is a change unless it holds its default."""
    return sorted(k for k in set(before) | set(after)
                  if before.get(k, _LAZY_DEFAULTS.get(k)) != after.get(k, _LAZY_DEFAULTS.get(k)))


def preflight_batch(models: list[tuple[int, Path]], progress: int) -> int:
    """Load children's ``model.keras`` files the way the trusted side will, in a fresh fork that ran no student code.

    For each, one JSON line on ``progress``: ``{"ok": true}`` when it loads in safe mode without touching
    process-wide Keras state, else ``{"ok": false, "reason": ...}``. A load that does change that state
    poisons this process for the next ones: the batch stops there (exit 4) and the zygote forks a fresh
    one for the rest. A load that allocates too much or hangs is stopped by the zygote.
    """
    import keras

    for _, path in models:
        before = keras_state()
        verdict: dict[str, Any] = {"ok": True}
        try:
            keras.saving.load_model(path, safe_mode=True, compile=False).count_params()
        except Exception as exc:  # any refusal is reported, never raised
            text = f"{type(exc).__name__}: {exc}".strip().splitlines()[0][:250]
            verdict = {"ok": False, "reason": f"it cannot be loaded safely ({text})"}
        changed = state_changes(before, keras_state())
        if changed:
            verdict = {"ok": False,
                       "reason": f"loading it changes process-wide Keras state ({', '.join(changed)[:200]})"}
        os.write(progress, (json.dumps(verdict) + "\n").encode())
        if changed:
            return 4
        keras.backend.clear_session(free_memory=False)
    return 0


class _Baseline:
    """What one task of a batch may change that the next task of the same student must not inherit:
    modules of the submission, ``sys.path``, the working folder, Keras' global settings and graph."""

    def __init__(self, workdir: Path) -> None:
        import keras

        self.workdir = workdir
        self.modules = set(sys.modules)
        self.path = list(sys.path)
        self.settings = (keras.config.floatx(), keras.config.epsilon(), keras.config.image_data_format(),
                         keras.config.dtype_policy())

    def restore(self) -> None:
        import keras

        _scripts.undo()
        inside = str(self.workdir)
        for name in [n for n in sys.modules if n not in self.modules]:
            origin = getattr(sys.modules[name], "__file__", None) or ""
            if not origin or origin.startswith(inside):
                del sys.modules[name]  # the student's own modules load afresh; libraries stay imported
        sys.path[:] = self.path
        os.chdir(self.workdir)
        floatx, epsilon, image_data_format, policy = self.settings
        keras.config.set_floatx(floatx)
        keras.config.set_epsilon(epsilon)
        keras.config.set_image_data_format(image_data_format)
        keras.config.set_dtype_policy(policy)
        keras.saving.get_custom_objects().clear()
        keras.backend.clear_session(free_memory=False)  # a full collection costs ≈ 0.17 s here


def run_batch(tasks: list[dict[str, Any]], start: int, workdir: Path, out: Path, progress: int, ack: int) -> int:
    """Run ``tasks[start:]`` one after the other (one student's assignments), each into ``out/<index>``.

    After each, a line ``done <index> <status>`` on ``progress`` tells the zygote the task ended (its time,
    its output); the zygote kills whatever processes the task left and answers on ``ack``. Then the task's
    state is undone, so that each assignment is graded as if it ran alone.
    """
    import keras

    baseline = _Baseline(workdir)
    for index in range(start, len(tasks)):
        folder = out / str(index)
        folder.mkdir()
        keras.utils.set_random_seed(int(tasks[index].get("seed", 0)))
        code = run(tasks[index], workdir, folder)
        sys.stdout.flush()
        sys.stderr.flush()
        os.write(progress, f"done {index} {code}\n".encode())
        if index + 1 < len(tasks):
            os.read(ack, 1)  # the zygote has killed what this task left running
            baseline.restore()
    return 0


def run(task: dict[str, Any], workdir: Path, out: Path) -> int:
    """Run one task; exceptions become ``error.json``. Returns the exit status the child should use."""
    try:
        protocol.check_task(task)  # the same declaration the grader checked it against
        _scripts.prepare(task, workdir)  # Keras 2 spellings, the grader's data, IPython stand-ins
        if task["kind"] == "model" and _scripts.is_script(task, workdir):
            _scripts.run_script(task, workdir, out)  # no build_model(): run the file as a script
        elif task["kind"] == "model":
            run_model(task, workdir, out)
        elif task["kind"] == "function":
            run_function(task, workdir, out)
        elif task["kind"] == "train":  # --checks train: build as above, train, save (training_task.py)
            from . import training_task  # only a training job pays for its import

            training_task.run_train(task, workdir, out)
        else:
            raise ValueError(f"unknown task kind {task['kind']!r}")
        return 0
    except BaseException as exc:  # SystemExit from student code is an error too
        (out / "error.json").write_text(json.dumps(describe(exc, workdir)))
        return 3
    finally:
        _scripts.finish(task, out)  # notes: the model graded, data served, Keras 2 equivalences used
