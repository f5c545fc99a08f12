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
past a cell that fails (:func:`run_cells`); a script that breaks after building a model still has that model
graded, with the error in a note.

:func:`prepare` runs before any student code, whatever the task: the Keras 2 compatibility layer
(``compat.py``), the grader's data behind ``keras.datasets.*.load_data`` and the Jena CSV (placeholders with the
real structure unless ``task["data"]`` names served files; test labels never enter the sandbox; the CSV and its
``.zip`` are served by file name wherever the code says they are, :func:`served_name`), and a stand-in
for ``IPython.display`` when IPython is not installed. :func:`strip_magics` turns notebook magics and shell lines
into ``pass`` (or the code they wrap), keeping line numbers. :func:`finish` adds the notes to ``info.json``.

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
import io
import json
import os
import re
import sys
import tokenize
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import compat

#: Notes of this run (data served, short-circuits, the model graded), in order; compat keeps its own.
_NOTES: dict[str, str] = {}
#: What prepare()/run_script() patched, to undo in-process (tests): (owner, name, previous value or none).
_SAVED: list[tuple[Any, str, Any]] = []
_STATE: dict[str, Any] = {}


def note(key: str, text: str) -> None:
    _NOTES.setdefault(key, text)


def _patch(owner: Any, name: str, value: Any, saved: list | None = None) -> None:
    compat.patch(owner, name, value, _SAVED if saved is None else saved)


_restore = compat.restore


# -- notebook magics and shell lines ------------------------------------------------------------------------

#: Cell magics whose body is Python (run it), and line magics that wrap one Python statement (run that).
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "python", "python3", "debug", "memit"})
CODE_LINE_MAGICS = frozenset({"time", "timeit", "prun", "memit"})
_CELL_MARKER = re.compile(r"^\s*#\s*(In\s*\[[^\]]*\]\s*:|%%)")
_MAGIC = re.compile(r"^(\s*)([%!].*)$")
_ASSIGNED_MAGIC = re.compile(r"^(\s*)([A-Za-z_][\w.]*\s*=\s*)([%!].*)$")
_HELP = re.compile(r"^(\s*)(\?{1,2}[\w.]+|[\w.]+\?{1,2})\s*$")
_IPYTHON = re.compile(r"^(\s*)([A-Za-z_][\w.]*\s*=\s*)?get_ipython\(\)\.(\w+)\((.*)\)\s*$")
_TIMEIT_OPTIONS = re.compile(r"^(?:-[a-zA-Z]+(?:\s*\d+)?\s+)*")


def strip_magics(source: str) -> str:
    """Notebook magics and shell lines → ``pass`` (or the code they wrap), keeping every line number.

    ``%matplotlib inline``, ``!pip install ...``, ``x = !ls``, ``obj?`` and ``get_ipython().system(...)`` become
    ``pass``; ``%time stmt`` runs ``stmt``; a ``%%time``/``%%capture`` cell runs its body, a ``%%writefile f``
    cell writes ``f``, other cell magics (``%%bash``, ``%%html`` ...) are skipped to the end of the cell (in a
    ``.py``: to the next blank line or ``# In[ ]:`` / ``# %%`` marker). Lines inside string literals are left
    alone.
    """
    lines = source.split("\n")
    in_strings = _string_lines(source)
    first = next((i for i, line in enumerate(lines) if line.strip()), -1)
    out: list[str] = []
    skip_until_blank = skip_rest = False
    for number, line in enumerate(lines):
        if number in in_strings:
            out.append(line)
            continue
        stripped = line.strip()
        if skip_rest or (skip_until_blank and stripped and not _CELL_MARKER.match(line)):
            out.append(_commented(line))
            continue
        skip_until_blank = False
        indent = line[: len(line) - len(line.lstrip())]
        if stripped.startswith("%%"):
            name, _, argument = stripped[2:].partition(" ")
            whole_cell = number == first
            if name in PYTHON_CELL_MAGICS:
                out.append(f"{indent}pass  # {stripped}")
                continue
            body_end = len(lines) if whole_cell else _block_end(lines, number + 1)
            if name in ("writefile", "file"):
                body = "\n".join(lines[number + 1: body_end])
                out.append(indent + _writefile(argument, body if body.endswith("\n") else body + "\n")
                           + f"  # {stripped}")
            else:
                out.append(f"{indent}pass  # {stripped}")
            skip_rest, skip_until_blank = whole_cell, not whole_cell
            continue
        out.append(_line(line, indent, stripped))
    return "\n".join(out)


def _line(line: str, indent: str, stripped: str) -> str:
    match = _IPYTHON.match(line)
    if match:
        return _ipython_call(indent, match.group(2) or "", match.group(3), match.group(4), stripped)
    match = _ASSIGNED_MAGIC.match(line)
    if match and not match.group(2).rstrip().endswith(("!=", "==", "<=", ">=")):
        code = _wrapped_code(match.group(3))
        return f"{indent}{match.group(2)}{code if code else '[]'}  # {match.group(3)}"
    match = _MAGIC.match(line)
    if match:
        code = _wrapped_code(match.group(2))
        return f"{indent}{code}  # {match.group(2)}" if code else f"{indent}pass  # {match.group(2)}"
    if _HELP.match(line):
        return f"{indent}pass  # {stripped}"
    return line


def _wrapped_code(magic: str) -> str:
    """The statement ``%time stmt`` / ``%timeit -n1 stmt`` wraps, or ``""``."""
    if not magic.startswith("%") or magic.startswith("%%"):
        return ""
    name, _, rest = magic[1:].partition(" ")
    if name not in CODE_LINE_MAGICS:
        return ""
    return _TIMEIT_OPTIONS.sub("", rest.strip()).strip()


def _ipython_call(indent: str, target: str, method: str, arguments: str, stripped: str) -> str:
    try:
        args = ast.literal_eval(f"({arguments},)") if arguments.strip() else ()
    except (ValueError, SyntaxError):
        args = ()
    args = tuple(a for a in args if isinstance(a, str))
    code = ""
    if method == "run_line_magic" and len(args) >= 2 and args[0] in CODE_LINE_MAGICS:
        code = f"exec({_TIMEIT_OPTIONS.sub('', args[1].strip())!r})" if not target else \
            f"eval({_TIMEIT_OPTIONS.sub('', args[1].strip())!r})"
    elif method == "run_cell_magic" and len(args) >= 3 and args[0] in PYTHON_CELL_MAGICS:
        code = f"exec({args[2]!r})"
    elif method == "run_cell_magic" and len(args) >= 3 and args[0] in ("writefile", "file"):
        code = _writefile(args[1], args[2])
    elif target:
        code = "[]" if method in ("getoutput", "system") else "None"
    if target:
        return f"{indent}{target}{code}  # {stripped}"
    return f"{indent}{code}  # {stripped}" if code else f"{indent}pass  # {stripped}"


def _writefile(argument: str, body: str) -> str:
    words = argument.split()
    mode = "a" if "-a" in words or "--append" in words else "w"
    names = [w for w in words if not w.startswith("-")]
    if not names:
        return "pass"
    return f"open({names[0]!r}, {mode!r}, encoding='utf-8').write({body!r})"


def _block_end(lines: list[str], start: int) -> int:
    for number in range(start, len(lines)):
        if not lines[number].strip() or _CELL_MARKER.match(lines[number]):
            return number
    return len(lines)


def _commented(line: str) -> str:
    return f"# {line}" if line.strip() else line


def _string_lines(source: str) -> set[int]:
    """0-based numbers of lines that lie inside a multi-line string literal (not its first line)."""
    inside: set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.STRING and token.end[0] > token.start[0]:
                inside.update(range(token.start[0], token.end[0]))  # 1-based start → 0-based next line
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    return inside


def notebook_cells(path: Path, label: str) -> list[tuple[str, str]]:
    """The code cells of an ``.ipynb`` as ``(label, source)``, magics stripped.

    Cells are numbered as a student sees them: among code cells only, from 1, in notebook order (what Jupyter's
    ``In [n]`` shows after "Restart & Run All"). The label, which tracebacks and notes quote, reads
    ``file.ipynb, cell n``. A file that is not a notebook's JSON is refused with a message saying so.
    """
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise Feedback(f"{label} is not a text file: save the notebook from Jupyter again") from None
    except ValueError as exc:
        line = f" (line {exc.lineno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise Feedback(f"{label} is not a readable notebook: its JSON is broken{line}; open it in Jupyter and "
                       "save it again") from None
    raw = notebook.get("cells") if isinstance(notebook, dict) else None
    if raw is None and isinstance(notebook, dict) and isinstance(notebook.get("worksheets"), list):  # nbformat 3
        raw = [cell for sheet in notebook["worksheets"] if isinstance(sheet, dict)
               for cell in _list(sheet.get("cells"))]
    if not isinstance(raw, list):
        raise Feedback(f"{label} is not a notebook Jupyter writes (no list of cells): save it from Jupyter again")
    cells: list[tuple[str, str]] = []
    for cell in raw:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", cell.get("input", ""))
        source = "".join(str(s) for s in source) if isinstance(source, list) else str(source)
        cells.append((f"{label}, cell {len(cells) + 1}", strip_magics(source)))
    return cells


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def file_sources(path: Path, label: str) -> list[tuple[str, str]]:
    """What runs of a file: a notebook's code cells, or a ``.py`` as one source (both with magics stripped).

    A ``.py`` exported from a notebook (``# In[3]:`` or ``# %%`` markers) that does not compile as a whole runs as
    its cells (:func:`exported_cells`), so a scratch cell's syntax error does not void it, as in the notebook.
    """
    if path.suffix == ".ipynb":
        return notebook_cells(path, label)
    try:
        text = strip_magics(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise Feedback(f"{label} is not UTF-8 text: save it as UTF-8 (most editors offer it under 'Save as')") \
            from None
    try:
        compile(text, label, "exec")
    except (SyntaxError, ValueError):
        cells = exported_cells(text, label)
        if len(cells) > 1:
            return cells
    return [(label, text)]


def exported_cells(text: str, label: str) -> list[tuple[str, str]]:
    """The cells of a notebook exported as ``.py``, between ``# In[ ]:`` / ``# %%`` markers, numbered from 1 among
    those holding code (the export's header comments are none). Each is padded with blank lines so that its line
    numbers are the file's, as the student's editor shows them."""
    lines = text.split("\n")
    starts = [0] + [n for n, line in enumerate(lines) if n and _CELL_MARKER.match(line)]
    cells: list[tuple[str, str]] = []
    for start, end in zip(starts, [*starts[1:], len(lines)]):
        chunk = lines[start:end]
        if all(not line.strip() or line.lstrip().startswith("#") for line in chunk):
            continue
        cells.append((f"{label}, cell {len(cells) + 1}", "\n" * start + "\n".join(chunk)))
    return cells


# -- running a file or its cells: errors are findings, not the end --------------------------------------------

class Feedback(Exception):
    """A problem the grader words itself for the student: the feedback shows its text alone, with no exception
    name (``describe`` in tasks.py)."""


_CELL_LABEL = re.compile(r"^(?P<file>.*), cell (?P<cell>\d+)$")


def place(filename: str, line: int | None) -> str:
    """Where a line is, in the student's terms: ``file.py:12``, or ``file.ipynb, cell 4, line 2``."""
    if _CELL_LABEL.match(filename):
        return f"{filename}, line {line}"
    return f"{filename}:{line}"


class Failure:
    """A cell (or a whole script) that did not compile or raised. The run went on past it, as Jupyter's "Run All"
    with errors allowed does; what it defined before still counts."""

    def __init__(self, label: str, source: str, exc: BaseException) -> None:
        self.label = label
        self.source = source
        self.exc = exc
        match = _CELL_LABEL.match(label)
        self.cell = f"cell {match['cell']}" if match else ""

    @property
    def line(self) -> int | None:
        """The line of this cell (or script) that was running when it failed."""
        if isinstance(self.exc, SyntaxError):
            return self.exc.lineno
        line = None
        tb = self.exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == self.label:
                line = tb.tb_lineno
            tb = tb.tb_next
        return line

    @property
    def compiles(self) -> bool:
        return not isinstance(self.exc, SyntaxError)

    def text(self) -> str:
        return _message(self.exc)

    def sentence(self) -> str:
        """``cell 7 raised NameError: name 'preds' is not defined (line 1)``, or the script's equivalent."""
        line = f" (line {self.line})" if self.line else ""
        if not self.compiles:
            at = f", line {self.line}" if self.line else ""
            message = self.exc.msg if isinstance(self.exc, SyntaxError) else str(self.exc)
            return f"{self.cell or self.label} was skipped: it does not compile (SyntaxError: {message}{at})"
        if self.cell:
            return f"{self.cell} raised {self.text()}{line}"
        return f"{self.label} stopped at line {self.line} with {self.text()}"


def run_cells(sources: list[tuple[str, str]], namespace: dict[str, Any]) -> list[Failure]:
    """Compile and run each source on its own, in one shared ``namespace``, like ``nbconvert --allow-errors``.

    A notebook cell that does not compile (a scratch cell, Markdown or LilyPond pasted as code) or raises is
    recorded and the next cell runs, so one bad cell no longer voids the whole notebook. A ``.py`` is one source:
    Python stops it at its first error, and what it defined up to there stays in ``namespace``. ``sys.exit(0)``
    is a normal end; running out of memory and interrupts end the run. Failures are also kept for
    :func:`failures` (cleared by :func:`undo`).
    """
    found: list[Failure] = []
    for label, source in sources:
        try:
            code = compile(source, label, "exec")
        except (SyntaxError, ValueError) as exc:  # ValueError: NUL bytes
            if not isinstance(exc, SyntaxError):
                exc = SyntaxError(str(exc), (label, 1, 0, ""))
            found.append(Failure(label, source, exc))
            continue
        try:
            exec(code, namespace)  # running student code is the job
        except SystemExit as exc:
            if exc.code not in (None, 0):
                found.append(Failure(label, source, exc))
        except (MemoryError, KeyboardInterrupt):
            raise
        except BaseException as exc:  # every error of the student's code is a finding
            found.append(Failure(label, source, exc))
    _STATE.setdefault("failures", []).extend(found)
    return found


def failures() -> list[Failure]:
    """The failures of this task's runs so far."""
    return list(_STATE.get("failures", []))


def defining_failure(found: list[Failure], name: str) -> Failure | None:
    """The failure in a source that defines ``name`` (``def name``, ``class name``, ``name = ...``): the reason
    ``name`` does not exist, when it does not."""
    if not name:
        return None
    defining = re.compile(rf"^\s*(def|class)\s+{re.escape(name)}\b|^\s*{re.escape(name)}\s*=", re.MULTILINE)
    return next((f for f in found if defining.search(f.source)), None)


def main_failure(found: list[Failure], name: str) -> BaseException:
    """The failure to report when ``name`` (or, with ``""``, the model) never got defined: the one in the source
    that defines it, else the first runtime error, else the first cell that does not compile. The others are added
    as notes to it."""
    chosen = defining_failure(found, name) or next((f for f in found if f.compiles), found[0])
    others = [f.sentence() for f in found if f is not chosen]
    if others:
        chosen.exc.add_note("also: " + "; ".join(others[:3]) + (f"; and {len(others) - 3} more" if len(others) > 3
                                                              else ""))
    return chosen.exc


def failure_notes(found: list[Failure], graded: str) -> list[str]:
    """One note for the failures of a run whose graded object (``graded``) was defined anyway."""
    if not found:
        return []
    if not found[0].cell:  # a .py: one failure, where Python stopped it
        return [f"{found[0].sentence()}; {graded}"]
    listed = "; ".join(f.sentence() for f in found[:4]) + (f"; and {len(found) - 4} more" if len(found) > 4 else "")
    return [f"the notebook ran on past the cells that failed, as Jupyter does, and {graded} (code cells are counted "
            f"from 1): {listed}"]


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
            if not _CELL_LABEL.match(label):  # a whole .py that does not parse
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


# -- data the script loads: served by the grader -------------------------------------------------------------

#: keras.datasets module -> (train size, test size). Placeholders have the real split sizes, so code that
#: hard-codes them (``x_train.reshape(60000, 784)``, ``x[:10000]``) runs.
SIZES = {"imdb": (25_000, 25_000), "reuters": (8_982, 2_246), "mnist": (60_000, 10_000),
         "fashion_mnist": (60_000, 10_000), "cifar10": (50_000, 10_000), "cifar100": (50_000, 10_000),
         "boston_housing": (404, 102)}
#: 1 + the largest word index Keras' own files hold (index_from=3): what ``num_words=None`` gives.
FULL_VOCAB = {"imdb": 88_588, "reuters": 30_983}
CLASSES = {"imdb": 2, "reuters": 46, "mnist": 10, "fashion_mnist": 10, "cifar10": 10, "cifar100": 100}
JENA_CSV = "jena_climate_2009_2016.csv"
JENA_ROWS = 420_551
JENA_HEADER = ('"Date Time","p (mbar)","T (degC)","Tpot (K)","Tdew (degC)","rh (%)","VPmax (mbar)","VPact (mbar)",'
               '"VPdef (mbar)","sh (g/kg)","H2OC (mmol/mol)","rho (g/m**3)","wv (m/s)","max. wv (m/s)","wd (deg)"')
_JENA_ROWS = ("01.01.2009 00:10:00,996.52,-8.02,265.40,-8.90,93.30,3.33,3.11,0.22,1.94,3.12,1307.75,1.03,1.75,152.30",
              "01.01.2009 00:20:00,996.57,-8.41,265.01,-9.28,93.40,3.23,3.02,0.21,1.89,3.03,1309.80,0.72,1.50,136.10")
_PLACEHOLDER_NOTE = ("structure checks do not train, so the script got placeholders with the real structure; "
                     "test labels never enter the sandbox — the grader's own evaluation is the one that counts")


def _served(task: dict[str, Any]) -> dict[str, str]:
    data = task.get("data") or {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _sequences(n: int, vocab: int, start_char: int | None, index_from: int, maxlen: int | None, salt: int) -> Any:
    """``n`` reviews/newswires of word indices, every index below ``vocab``, the largest one present.

    Like the grader's served data (``harness.datasets``), each row is an int32 array (Keras gives lists of the same
    values): an object array of views into one flat array, built in milliseconds.
    """
    import numpy as np

    lengths = np.array((12, 40, 80, 120, 200, 230, 30, 60, 95, 150))
    if maxlen:
        lengths = np.clip(lengths, 2, int(maxlen))
    rows = lengths[np.arange(n) % len(lengths)]
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(rows, out=offsets[1:])
    span = max(1, vocab - index_from)
    flat = (index_from + (np.arange(offsets[-1], dtype=np.int64) * 104_729 + salt) % span).astype(np.int32)
    if start_char is not None:
        flat[offsets[:-1]] = start_char
    flat[offsets[1] - 1] = vocab - 1
    return _ragged_rows(flat, offsets)


def _ragged_rows(flat: Any, offsets: Any) -> Any:
    import numpy as np

    x = np.empty(len(offsets) - 1, dtype=object)
    bounds = offsets.tolist()
    for i in range(len(x)):
        x[i] = flat[bounds[i]:bounds[i + 1]]
    return x


def _labels(n: int, classes: int, dtype: str = "int64", shape: tuple[int, ...] = ()) -> Any:
    import numpy as np

    return (np.arange(n) % classes).astype(dtype).reshape((n, *shape))


def _placeholder(name: str, kwargs: dict[str, Any]) -> tuple[tuple[Any, Any], tuple[Any, Any]]:
    import numpy as np

    n_train, n_test = SIZES[name]
    if name in ("imdb", "reuters"):
        if name == "reuters":
            total = n_train + n_test
            split = float(kwargs.get("test_split", 0.2))
            n_train = int(total * (1 - split))
            n_test = total - n_train
        vocab = int(kwargs.get("num_words") or FULL_VOCAB[name])
        start = kwargs.get("start_char", 1)
        index_from = int(kwargs.get("index_from", 3))
        maxlen = kwargs.get("maxlen")
        maxlen = int(maxlen) if maxlen else None
        x_train = _sequences(n_train, vocab, start, index_from, maxlen, 0)
        x_test = _sequences(n_test, vocab, start, index_from, maxlen, 17)
        return (x_train, _labels(n_train, CLASSES[name])), (x_test, _labels(n_test, CLASSES[name]))
    if name in ("mnist", "fashion_mnist"):
        return ((np.zeros((n_train, 28, 28), "uint8"), _labels(n_train, 10, "uint8")),
                (np.zeros((n_test, 28, 28), "uint8"), _labels(n_test, 10, "uint8")))
    if name in ("cifar10", "cifar100"):
        classes = 20 if kwargs.get("label_mode") == "coarse" else CLASSES[name]
        return ((np.zeros((n_train, 32, 32, 3), "uint8"), _labels(n_train, classes, "uint8", (1,))),
                (np.zeros((n_test, 32, 32, 3), "uint8"), _labels(n_test, classes, "uint8", (1,))))
    rng = np.random.default_rng(0)
    return ((rng.random((n_train, 13)), rng.random(n_train) * 50), (rng.random((n_test, 13)), np.zeros(n_test)))


def _read_split(directory: str, num_words: int | None = None, oov: int = 2) -> dict[str, Any]:
    """The grader's ``train.npz`` + ``test_inputs.npz`` (ragged rows stored as ``NAME__flat``/``NAME__offsets``);
    word indices at or above ``num_words`` become ``oov``, as Keras' ``load_data(num_words=...)`` does."""
    import numpy as np

    arrays: dict[str, Any] = {}
    for name in ("train.npz", "test_inputs.npz"):
        with np.load(Path(directory) / name, allow_pickle=False) as archive:
            for key in archive.files:
                if key.endswith("__flat"):
                    base = key[: -len("__flat")]
                    flat = archive[key]
                    if num_words:
                        flat = np.where(flat >= num_words, oov, flat).astype(flat.dtype)
                    arrays[base] = _ragged_rows(flat, archive[base + "__offsets"])
                elif not key.endswith("__offsets"):
                    arrays[key] = archive[key]
    return arrays


def _placeholder_test_labels(y_train: Any, n: int) -> Any:
    import numpy as np

    y_train = np.asarray(y_train)
    if y_train.dtype.kind in "iu" and y_train.ndim == 1 and len(y_train):
        return _labels(n, int(y_train.max()) + 1, str(y_train.dtype))
    return np.zeros((n, *y_train.shape[1:]), dtype=y_train.dtype)


def _load_data(name: str, served: dict[str, str]) -> Any:
    def load_data(*args: Any, **kwargs: Any) -> Any:
        positional = {"imdb": ("path", "num_words", "skip_top", "maxlen"), "reuters": ("path", "num_words",
                      "skip_top", "maxlen", "test_split"), "cifar100": ("label_mode",)}.get(name, ("path",))
        kwargs = {**dict(zip(positional, args)), **kwargs}
        _STATE.setdefault("loaded", {})[name] = kwargs
        options = ", ".join(f"{k}={v!r}" for k, v in kwargs.items() if k != "path")
        if name in served:
            words = kwargs.get("num_words") if name in FULL_VOCAB else None
            arrays = _read_split(served[name], words, int(kwargs.get("oov_char", 2)))
            x_train, y_train, x_test = arrays["x_train"], arrays["y_train"], arrays["x_test"]
            y_test = _placeholder_test_labels(y_train, len(x_test))
            note(f"data:{name}", f"{name}.load_data({options}): the grader served its copy of the training split "
                 "and the test inputs; test labels are placeholders — the grader's own evaluation is the one that "
                 "counts")
            return (x_train, y_train), (x_test, y_test)
        (x_train, y_train), (x_test, y_test) = _placeholder(name, kwargs)
        shape = "sequences of word indices" if x_train.dtype == object else f"{x_train.dtype} arrays"
        note(f"data:{name}", f"{name}.load_data({options}) → {len(x_train):,} training and {len(x_test):,} test "
             f"samples ({shape}): {_PLACEHOLDER_NOTE}")
        return (x_train, y_train), (x_test, y_test)

    load_data.__name__ = "load_data"
    return load_data


def _get_word_index(*args: Any, **kwargs: Any) -> dict[str, int]:
    words = ("the", "and", "a", "of", "to", "is", "in", "it", "i", "this", "that", "was", "as", "for", "with")
    index = {word: i for i, word in enumerate(words, start=1)}
    index.update({f"word{i}": i for i in range(len(words) + 1, 2001)})
    note("data:word_index", "get_word_index() → a placeholder word index (structure checks do not decode reviews)")
    return index


def _jena_path(served: dict[str, str]) -> str:
    """The CSV the student's code reads: the grader's copy (extracted once if it is the ``.zip``), else a
    placeholder with the real columns and row count."""
    if "jena_path" in _STATE:
        return _STATE["jena_path"]
    import tempfile

    path = Path(tempfile.gettempdir()) / "grader_data" / JENA_CSV
    path.parent.mkdir(exist_ok=True)
    source = served.get("jena")
    if source and not source.endswith(".zip"):
        return source
    if source:
        import zipfile

        with zipfile.ZipFile(source) as archive:
            member = next(n for n in archive.namelist() if n.endswith(".csv"))
            with archive.open(member) as data, _REAL_OPEN(path, "wb") as copy:
                while chunk := data.read(1 << 20):
                    copy.write(chunk)
    else:
        pair = "\n".join(_JENA_ROWS) + "\n"  # like the real file: no newline after the last row
        rows = pair * (JENA_ROWS // 2) + (_JENA_ROWS[0] + "\n") * (JENA_ROWS % 2)
        with _REAL_OPEN(path, "w", encoding="utf-8") as copy:
            copy.write(JENA_HEADER + "\n" + rows[:-1])
        note("data:jena", f"{JENA_CSV}: {JENA_ROWS:,} rows with the real columns; {_PLACEHOLDER_NOTE}")
    _STATE["jena_path"] = str(path)
    return str(path)


def _jena_zip(served: dict[str, str]) -> str:
    """``jena_climate_2009_2016.csv.zip`` as DLwP downloads it: the CSV stored (not compressed: instant)."""
    source = served.get("jena")
    if source and source.endswith(".zip"):
        return source
    if "jena_zip" not in _STATE:
        import tempfile
        import zipfile

        csv = _jena_path(served)
        path = Path(tempfile.gettempdir()) / "grader_data" / (JENA_CSV + ".zip")  # beside no served file: read-only
        path.parent.mkdir(exist_ok=True)
        with _REAL_OPEN(path, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_STORED) as archive:
            archive.write(csv, JENA_CSV)
        _STATE["jena_zip"] = str(path)
    return _STATE["jena_zip"]


#: ``open`` before :func:`prepare` patched it: the grader writes its own copies with it.
_REAL_OPEN = io.open
#: Data files the grader serves wherever the student's code says they are, by file name -> its path.
SERVED_FILES = {JENA_CSV: _jena_path, JENA_CSV + ".zip": _jena_zip}


def served_name(file: Any, exists: Any = os.path.exists) -> str | None:
    """The served file ``file`` names as the student wrote it (``C:\\data\\jena_climate_2009_2016.csv``,
    ``r'..\\jena_climate_2009_2016.csv'``, ``~/Downloads/...``, a relative path), or None.

    Matched by the last component after splitting on both ``/`` and ``\\`` (a Windows path is one odd file name on
    Linux), and only when nothing exists at that path: a file the student ships is read as it is.
    """
    if isinstance(file, bytes):
        file = file.decode("utf-8", "replace")
    if not isinstance(file, (str, os.PathLike)):
        return None
    text = os.fspath(file)
    if not isinstance(text, str):
        return None
    name = re.split(r"[\\/]", text)[-1]
    if name not in SERVED_FILES or exists(os.path.expanduser(text)):
        return None
    return name


def _zip_as_text(file: Any) -> ValueError:
    """DLwP's ``open(fname)`` on the ``.zip`` it downloads: the read fails on any machine with a
    ``UnicodeDecodeError`` that does not say why; say why, in the student's terms."""
    return ValueError(f"open({os.fspath(file)!r}) reads the zip archive as text, which fails on any machine "
                      f"(UnicodeDecodeError); unzip it and open {JENA_CSV}, or read it with "
                      f"pd.read_csv(..., compression='zip') or zipfile")


def _install_files(served: dict[str, str]) -> None:
    """``open`` / ``io.open`` (``pd.read_csv``, ``np.loadtxt``, ``Path.read_text``, ``zipfile``), ``os.path.exists``
    / ``isfile`` and ``Path.exists`` / ``is_file`` answer a served file's name with the grader's copy."""
    import pathlib

    real_open, real_exists, real_isfile = builtins.open, os.path.exists, os.path.isfile

    def redirect(file: Any) -> Any:
        name = served_name(file, real_exists)
        if name is None:
            return file
        path = SERVED_FILES[name](served)
        if os.fspath(file) != path:
            note(f"data:path:{name}", f"{os.fspath(file)!r} → the grader's {name} (served by "
                 "file name, wherever the code says it is)")
        return path

    def grader_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        mode = args[0] if args else kwargs.get("mode", "r")
        if isinstance(mode, str) and "b" not in mode and served_name(file, real_exists) == JENA_CSV + ".zip":
            raise _zip_as_text(file)
        return real_open(redirect(file), *args, **kwargs)

    def grader_exists(path: Any) -> bool:
        return real_exists(path) or served_name(path, real_exists) is not None

    def grader_isfile(path: Any) -> bool:
        return real_isfile(path) or served_name(path, real_exists) is not None

    def grader_datasource_open(path: Any, *args: Any, **kwargs: Any) -> Any:
        return datasource_open(redirect(path), *args, **kwargs)

    grader_open.__wrapped__ = real_open  # type: ignore[attr-defined]
    _patch(builtins, "open", grader_open)
    datasource = importlib.import_module("numpy.lib._datasource")  # np.loadtxt / genfromtxt: numpy kept its open
    datasource_open = datasource.open
    _patch(datasource, "open", grader_datasource_open)
    _patch(io, "open", grader_open)
    _patch(os.path, "exists", grader_exists)
    _patch(os.path, "isfile", grader_isfile)
    path_exists, path_is_file = pathlib.Path.exists, pathlib.Path.is_file
    _patch(pathlib.Path, "exists", lambda self, *a, **k: path_exists(self, *a, **k) or
           served_name(self, real_exists) is not None)
    _patch(pathlib.Path, "is_file", lambda self, *a, **k: path_is_file(self, *a, **k) or
           served_name(self, real_exists) is not None)


def _install_data(task: dict[str, Any]) -> None:
    import keras  # noqa: F401 - keras.datasets.* are imported with it

    served = _served(task)
    for name in SIZES:
        loader = _load_data(name, served)
        for module_name in (f"keras.src.datasets.{name}", f"keras.datasets.{name}",
                            f"keras._tf_keras.keras.datasets.{name}"):
            module = sys.modules.get(module_name)
            if module is None and module_name.startswith("keras.src"):
                try:
                    module = importlib.import_module(module_name)
                except ImportError:
                    continue
            if module is not None and hasattr(module, "load_data"):
                _patch(module, "load_data", loader)
                if hasattr(module, "get_word_index") and name not in served:
                    _patch(module, "get_word_index", _get_word_index)
    _install_files(served)


# -- IPython, for notebooks, when the grader has none ---------------------------------------------------------

class Null:
    """Answers every call and attribute with itself: ``SVG(model_to_dot(model).create(...))`` does nothing."""

    def __call__(self, *args: Any, **kwargs: Any) -> Null:
        return self

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self

    def __iter__(self) -> Any:
        return iter(())

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return ""


class _IPythonStub(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Last on ``sys.meta_path``: ``import IPython.display`` gets do-nothing stand-ins when IPython is absent."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname == "IPython" or fullname.startswith("IPython."):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = types.ModuleType(spec.name, "the grader's stand-in: IPython is not installed here")
        module.__path__ = []
        module.__dict__.update(get_ipython=lambda: None, display=_display,
                               __getattr__=lambda name: _null_attribute(name))
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        note("ipython", "IPython is not installed in the grader: IPython.display and friends do nothing")


def _null_attribute(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    return Null()


def _display(*args: Any, **kwargs: Any) -> None:
    return None


class _Shell(Null):
    """What ``get_ipython()`` returns in a script: magics and shell commands do nothing, Python cells run."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        self.namespace = namespace

    def run_cell_magic(self, name: str, line: str, cell: str) -> Any:
        if name in PYTHON_CELL_MAGICS:
            exec(compile(cell, f"<%%{name}>", "exec"), self.namespace)
        return None

    def run_line_magic(self, name: str, line: str, *args: Any) -> Any:
        if name in CODE_LINE_MAGICS:
            return eval(compile(_TIMEIT_OPTIONS.sub("", line.strip()), "<%magic>", "eval"), self.namespace)
        return None

    def getoutput(self, *args: Any, **kwargs: Any) -> list[str]:
        return []

    def system(self, *args: Any, **kwargs: Any) -> int:
        return 0


# -- before any student code: every task ---------------------------------------------------------------------

def prepare(task: dict[str, Any], workdir: Path) -> None:
    """The compatibility layer, the grader's data and the IPython stand-in. Never raises for a good task."""
    _STATE.update({"task": task, "workdir": workdir})
    compat.install()
    _install_data(task)
    if importlib.util.find_spec("IPython") is None:
        stub = _IPythonStub()
        sys.meta_path.append(stub)
        _STATE["ipython_stub"] = stub


def undo() -> None:
    """Undo :func:`prepare` (tests run it in-process)."""
    _restore(_SAVED)
    stub = _STATE.pop("ipython_stub", None)
    if stub is not None and stub in sys.meta_path:
        sys.meta_path.remove(stub)
    for name in [n for n in sys.modules if n == "IPython" or n.startswith("IPython.")]:
        spec = getattr(sys.modules[name], "__spec__", None)
        if isinstance(spec, importlib.machinery.ModuleSpec) and isinstance(spec.loader, _IPythonStub):
            del sys.modules[name]
    compat.uninstall()
    compat.clear_notes()
    _NOTES.clear()
    _STATE.clear()


def finish(task: dict[str, Any], out: Path) -> None:
    """Add this run's notes (script, data, compatibility) to ``info.json``. Never raises."""
    try:
        notes = [*_NOTES.values(), *_compat_summary()]
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
            _patch(cls, "__init__", self._recording(cls.__dict__["__init__"]), self.saved)
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

        _patch(keras.Model, "compile", compile, self.saved)

    def _recording(self, init: Any) -> Any:
        def __init__(model: Any, *args: Any, **kwargs: Any) -> None:
            init(model, *args, **kwargs)
            self.record(model)

        return __init__

    def uninstall(self) -> None:
        _restore(self.saved)

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
            _patch(model, name, _method(value), self.saved)
        for module_name in ("keras.src.saving.saving_api", "keras.saving", "keras.models",
                            "keras._tf_keras.keras.models", "keras.src.models"):
            module = sys.modules.get(module_name)
            if module is None:
                continue
            if hasattr(module, "load_model"):
                _patch(module, "load_model", self.load_model, self.saved)
            if hasattr(module, "save_model"):
                _patch(module, "save_model", lambda m, path, *a, **k: self.save(m, path), self.saved)
        for module_name in ("keras.src.utils.model_visualization", "keras.utils", "keras._tf_keras.keras.utils"):
            module = sys.modules.get(module_name)
            for name in ("plot_model", "model_to_dot"):
                if module is not None and hasattr(module, name):
                    _patch(module, name, self.plot, self.saved)
        _patch(time, "sleep", lambda *a, **k: None, self.saved)
        # Nothing trains, so there are no states to reset (2000 resets cost seconds of TensorFlow ops).
        from keras.src.layers.rnn.bidirectional import Bidirectional
        from keras.src.layers.rnn.rnn import RNN

        for cls in (RNN, Bidirectional):
            for name in ("reset_state", "reset_states"):
                _patch(cls, name, lambda *a, **k: None, self.saved)
        self.hook = _AfterImport("matplotlib.pyplot", self.quiet_pyplot)
        if "matplotlib.pyplot" in sys.modules:
            self.quiet_pyplot(sys.modules["matplotlib.pyplot"])
        else:
            sys.meta_path.insert(0, self.hook)

    def uninstall(self) -> None:
        _restore(self.saved)
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
                _patch(pyplot, name, lambda *a, **k: None, self.saved)
        figure = sys.modules.get("matplotlib.figure")
        if figure is not None:
            for name in ("savefig", "show"):
                _patch(figure.Figure, name, lambda *a, **k: None, self.saved)

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
        namespace["get_ipython"] = lambda: _Shell(namespace)
        namespace["display"] = _display
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
        raise Feedback(f"the model built at {chosen.where} cannot be saved for checking: {_message(exc)}") from None
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
        notes.append(f"the script stopped at {_where(found[0].exc, recorder.files)} with {_message(found[0].exc)}; "
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


def _message(exc: BaseException) -> str:
    text = (str(exc) if isinstance(exc, Feedback) else f"{type(exc).__name__}: {exc}").strip()
    text = (text.splitlines() or [""])[0][:300]
    extra = compat.hint(text)
    return f"{text} — {extra}" if extra else text


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
            return False, f"cannot be built with the assignment's input shape {shape}: {_message(exc)}"
        note_text = f"the model was left unbuilt; the grader built it with input shape {shape}"
    if empty():
        return False, "has no layers"
    try:
        model.count_params()
    except Exception as exc:
        return False, f"cannot be built: {_message(exc)}"
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
    for name, kwargs in (_STATE.get("loaded") or {}).items():
        words = kwargs.get("num_words")
        if embedding is not None and name in FULL_VOCAB and words and int(words) != embedding.input_dim:
            notes.append(f"{name}.load_data(num_words={words}) but the graded model's Embedding takes "
                         f"{embedding.input_dim:,} words: the two should agree")
    return notes
