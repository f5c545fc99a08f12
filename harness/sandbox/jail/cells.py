"""A file's sources, as Python runs them: notebook cells and magics, and cells run one by one. INSIDE the sandbox.

:func:`strip_magics` turns notebook magics and shell lines into ``pass`` (or the code they wrap), keeping line
numbers; :func:`file_sources` reads a ``.py``, an ``.ipynb`` or an exported notebook as its cells;
:func:`run_cells` runs them as Jupyter's "Run All" with errors allowed does, keeping each failure as a finding.
"""

from __future__ import annotations

import ast
import io
import json
import re
import tokenize
from pathlib import Path
from typing import Any

from . import compat
from .run_state import STATE

#: Cell magics whose body is Python (run it), and line magics that wrap one Python statement (run that).
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "python", "python3", "debug", "memit"})
CODE_LINE_MAGICS = frozenset({"time", "timeit", "prun", "memit"})
_CELL_MARKER = re.compile(r"^\s*#\s*(In\s*\[[^\]]*\]\s*:|%%)")
_MAGIC = re.compile(r"^(\s*)([%!].*)$")
_ASSIGNED_MAGIC = re.compile(r"^(\s*)([A-Za-z_][\w.]*\s*=\s*)([%!].*)$")
_HELP = re.compile(r"^(\s*)(\?{1,2}[\w.]+|[\w.]+\?{1,2})\s*$")
_IPYTHON = re.compile(r"^(\s*)([A-Za-z_][\w.]*\s*=\s*)?get_ipython\(\)\.(\w+)\((.*)\)\s*$")
TIMEIT_OPTIONS = re.compile(r"^(?:-[a-zA-Z]+(?:\s*\d+)?\s+)*")


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
    return TIMEIT_OPTIONS.sub("", rest.strip()).strip()


def _ipython_call(indent: str, target: str, method: str, arguments: str, stripped: str) -> str:
    try:
        args = ast.literal_eval(f"({arguments},)") if arguments.strip() else ()
    except (ValueError, SyntaxError):
        args = ()
    args = tuple(a for a in args if isinstance(a, str))
    code = ""
    if method == "run_line_magic" and len(args) >= 2 and args[0] in CODE_LINE_MAGICS:
        code = f"exec({TIMEIT_OPTIONS.sub('', args[1].strip())!r})" if not target else \
            f"eval({TIMEIT_OPTIONS.sub('', args[1].strip())!r})"
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


CELL_LABEL = re.compile(r"^(?P<file>.*), cell (?P<cell>\d+)$")


def place(filename: str, line: int | None) -> str:
    """Where a line is, in the student's terms: ``file.py:12``, or ``file.ipynb, cell 4, line 2``."""
    if CELL_LABEL.match(filename):
        return f"{filename}, line {line}"
    return f"{filename}:{line}"


class Failure:
    """A cell (or a whole script) that did not compile or raised. The run went on past it, as Jupyter's "Run All"
    with errors allowed does; what it defined before still counts."""

    def __init__(self, label: str, source: str, exc: BaseException) -> None:
        self.label = label
        self.source = source
        self.exc = exc
        match = CELL_LABEL.match(label)
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
        return one_line(self.exc)

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
    STATE.setdefault("failures", []).extend(found)
    return found


def failures() -> list[Failure]:
    """The failures of this task's runs so far."""
    return list(STATE.get("failures", []))


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



def one_line(exc: BaseException) -> str:
    text = (str(exc) if isinstance(exc, Feedback) else f"{type(exc).__name__}: {exc}").strip()
    text = (text.splitlines() or [""])[0][:300]
    extra = compat.hint(text)
    return f"{text} — {extra}" if extra else text
