"""Everything that crosses the sandbox boundary, declared in one place, and the one validator both sides use.

Why one module: the trusted side must believe nothing the jail hands back, and a check written next to each
reader drifts (a ``notes`` that is ``7``, an ``errors`` that is a string, a 1.9 GiB array each once crashed or
swelled the grader). Here each file and message has its type and size limits; :func:`load_json` and
:func:`check_npz` validate against them, and anything that fails is that assignment's ``error`` with the reason,
never the grader's exception.

What crosses, and who validates (see ``docs/security.md``):

- into the jail: the **task** (:data:`TASK`, checked by the grader before it is written and by the child when
  it reads it) and a copy of the **submission** (walked by :func:`walk_submission`, capped in size, file
  count and depth: the grader's content hash and the copy into the sandbox use the same walk);
- out of the jail: the zygote's **outcome** per task (:data:`OUTCOME`) and the files of :data:`FILES`:
  ``info.json``, ``error.json``, ``outputs.json`` (by task kind), ``outputs.npz`` (array headers read without
  numpy, bounded by what the reference returns), ``model.json`` and ``model.keras``.

It runs inside the jail too (a sibling of ``tasks.py``), so it imports only the standard library.
"""

from __future__ import annotations

import ast
import json
import math
import os
import re
import stat
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# -- errors and text ---------------------------------------------------------------------------------------------


class ProtocolError(ValueError):
    """Something that crossed the boundary is not what this module declares; the message names it and why."""

    def __init__(self, name: str, detail: str, verb: str = "is malformed") -> None:
        self.name, self.detail, self.verb = name, detail, verb
        super().__init__(f"{name} from the sandbox {verb}: {detail}")


_INVISIBLE = {0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069}


def clean_text(text: str, limit: int = 2000) -> str:
    """A string from the sandbox made safe to print: no control characters (terminal escapes), no bidi tricks."""
    kept = [ch for ch in text if ch in "\n\t" or (unicodedata.category(ch) != "Cc" and ord(ch) not in _INVISIBLE)]
    return "".join(kept)[:limit]


class _Bad(Exception):
    def __init__(self, where: str, detail: str) -> None:
        super().__init__(detail)
        self.where, self.detail = where, detail

    def message(self) -> str:
        subject = f"'{clean_text(self.where, 80)}'" if self.where else "it"
        return f"{subject} {self.detail}"


def _key(where: str, key: object) -> str:
    return f"{where}.{key}" if where else str(key)


# -- the types -----------------------------------------------------------------------------------------------------


class Spec:
    """A JSON shape: :meth:`check` raises :class:`_Bad` naming the first place that differs."""

    phrase = "a value"
    plural = "values"

    def check(self, value: Any, where: str) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class Text(Spec):
    limit: int = 4000
    pattern: str | None = None
    choices: tuple[str, ...] = ()
    phrase = "a string"
    plural = "strings"

    def check(self, value: Any, where: str) -> None:
        if not isinstance(value, str):
            raise _Bad(where, f"must be {self.phrase}")
        if len(value) > self.limit:
            raise _Bad(where, f"must be a string of at most {self.limit} characters")
        if self.choices and value not in self.choices:
            raise _Bad(where, f"must be one of {', '.join(self.choices)}")
        if self.pattern and not re.fullmatch(self.pattern, value):
            raise _Bad(where, f"must match {self.pattern}")


@dataclass(frozen=True)
class Integer(Spec):
    minimum: int = 0
    maximum: int = 2**62
    phrase = "an integer"
    plural = "integers"

    def check(self, value: Any, where: str) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Bad(where, f"must be {self.phrase}")
        if not self.minimum <= value <= self.maximum:
            raise _Bad(where, f"must be between {self.minimum} and {self.maximum}")


@dataclass(frozen=True)
class Number(Spec):
    minimum: float = -math.inf
    phrase = "a finite number"
    plural = "finite numbers"

    def check(self, value: Any, where: str) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise _Bad(where, f"must be {self.phrase}")
        if value < self.minimum:
            raise _Bad(where, f"must be at least {self.minimum:g}")


@dataclass(frozen=True)
class Boolean(Spec):
    phrase = "true or false"
    plural = "booleans"

    def check(self, value: Any, where: str) -> None:
        if not isinstance(value, bool):
            raise _Bad(where, f"must be {self.phrase}")


@dataclass(frozen=True)
class Nullable(Spec):
    inner: Spec

    @property
    def phrase(self) -> str:  # type: ignore[override]
        return f"{self.inner.phrase} or null"

    @property
    def plural(self) -> str:  # type: ignore[override]
        return f"{self.inner.plural} or nulls"

    def check(self, value: Any, where: str) -> None:
        if value is None:
            return
        try:
            self.inner.check(value, where)
        except _Bad as bad:
            if bad.where == where and bad.detail == f"must be {self.inner.phrase}":
                raise _Bad(where, f"must be {self.phrase}") from None
            raise


@dataclass(frozen=True)
class ListOf(Spec):
    item: Spec
    limit: int = 1000

    @property
    def phrase(self) -> str:  # type: ignore[override]
        return f"a list of {self.item.plural}"

    plural = "lists"

    def check(self, value: Any, where: str) -> None:
        if not isinstance(value, list):
            raise _Bad(where, f"must be {self.phrase}")
        if len(value) > self.limit:
            raise _Bad(where, f"must hold at most {self.limit} items")
        for index, item in enumerate(value):
            if isinstance(self.item, (Text, Integer, Number, Boolean)):
                try:
                    self.item.check(item, where)
                except _Bad:
                    raise _Bad(where, f"must be {self.phrase}") from None
            else:
                self.item.check(item, f"{where}[{index}]")


@dataclass(frozen=True)
class MapOf(Spec):
    """An object whose keys match ``keys`` and whose values are all ``value``."""

    value: Spec
    limit: int = 1000
    keys: str = r"[^\x00-\x1f]{1,200}"
    phrase = "an object"
    plural = "objects"

    def check(self, value: Any, where: str) -> None:
        if not isinstance(value, dict):
            raise _Bad(where, f"must be {self.phrase}")
        if len(value) > self.limit:
            raise _Bad(where, f"must hold at most {self.limit} entries")
        for key, item in value.items():
            if not re.fullmatch(self.keys, key):
                raise _Bad(where, f"has a key {clean_text(key, 40)!r} that does not match {self.keys}")
            self.value.check(item, _key(where, key))


@dataclass(frozen=True)
class Record(Spec):
    """An object with these keys only (``open``: others allowed, unchecked), ``required`` among them."""

    fields: dict[str, Spec]
    required: tuple[str, ...] = ()
    open: bool = False
    phrase = "an object"
    plural = "objects"

    def check(self, value: Any, where: str) -> None:
        if not isinstance(value, dict):
            raise _Bad(where, f"must be {self.phrase}")
        for key in self.required:
            if key not in value:
                raise _Bad(_key(where, key), "is missing")
        for key, item in value.items():
            spec = self.fields.get(key)
            if spec is None:
                if not self.open:
                    raise _Bad(where, f"has an unexpected key {clean_text(str(key), 40)!r}")
                continue
            spec.check(item, _key(where, key))


@dataclass(frozen=True)
class Tree(Spec):
    """A leaf, or lists of trees, nested at most ``depth`` deep (how a function's tuples of arrays are laid out)."""

    leaf: Spec
    depth: int = 8
    limit: int = 10_000

    @property
    def phrase(self) -> str:  # type: ignore[override]
        return f"{self.leaf.phrase} or nested lists of them"

    plural = "trees"

    def check(self, value: Any, where: str, depth: int = 0) -> None:
        if isinstance(value, list):
            if depth >= self.depth or len(value) > self.limit:
                raise _Bad(where, f"is nested deeper than {self.depth} or longer than {self.limit}")
            for index, item in enumerate(value):
                self.check(item, f"{where}[{index}]", depth + 1)
        else:
            try:
                self.leaf.check(value, where)
            except _Bad:
                raise _Bad(where, f"must be {self.phrase}") from None


@dataclass(frozen=True)
class Json(Spec):
    """Any JSON value nested at most ``depth`` deep, strings at most ``limit`` characters (what is only shown)."""

    depth: int = 64
    limit: int = 100_000
    phrase = "JSON data"
    plural = "JSON values"

    def check(self, value: Any, where: str, depth: int = 0) -> None:
        if depth > self.depth:
            raise _Bad(where, f"is nested deeper than {self.depth} levels")
        if isinstance(value, dict):
            for key, item in value.items():
                self.check(item, _key(where, key), depth + 1)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self.check(item, f"{where}[{index}]", depth + 1)
        elif isinstance(value, str):
            if len(value) > self.limit:
                raise _Bad(where, f"must be a string of at most {self.limit} characters")
        elif value is not None and not isinstance(value, (bool, int, float)):
            raise _Bad(where, f"must be {self.phrase}")


def validate(spec: Spec, value: Any, name: str) -> Any:
    """``value`` if it matches ``spec``; else :class:`ProtocolError` naming ``name`` and the key that differs."""
    try:
        spec.check(value, "")
    except _Bad as bad:
        raise ProtocolError(name, bad.message()) from None
    except RecursionError:
        raise ProtocolError(name, "it is nested too deeply") from None
    return value


# -- the files a job leaves -----------------------------------------------------------------------------------------

#: ``error.json``: a human message for an assignment that failed anyway; never a verdict.
ERROR = Record({"type": Text(200), "message": Text(4000), "where": Text(1000), "hint": Text(8000)})
#: Notes the grader's own child code writes (which model a script built, Keras 2 equivalences, data served).
NOTES = ListOf(Text(4000), 200)
INFO = Record({
    "notes": NOTES,
    "script": Record({"where": Text(1000), "models": Integer(),
                      "candidates": ListOf(Record({"where": Text(1000), "compiled": Boolean()}), 10_000)}),
})
#: A function task: each case's returns (``c<i>``, ``c<i>.<j>``… name arrays of ``outputs.npz``) or its error.
CASE_KEY = r"c\d{1,6}"
ARRAY_KEY = r"c\d{1,6}(\.\d{1,6}){0,8}"
FUNCTION_OUTPUTS = Record({"layout": MapOf(Tree(Text(100, pattern=ARRAY_KEY)), 100_000, keys=CASE_KEY),
                           "errors": MapOf(ERROR, 100_000, keys=CASE_KEY)}, required=("layout", "errors"))
#: A training task (``--checks train``): the report, shown as curves and notes; the verdict is measured here.
TRAIN_REPORT = Record({
    "recipe": Json(depth=8, limit=10_000), "notes": NOTES,
    "history": MapOf(ListOf(Nullable(Number()), 1_000_000), 100),
    "epochs_planned": Integer(), "epochs_run": Integer(), "trained": Boolean(), "training_error": ERROR,
    "train_seconds": Number(0), "first_call_s": Number(0),
    "stopped": Text(40),
})
OUTPUTS_BY_KIND = {"function": FUNCTION_OUTPUTS, "train": TRAIN_REPORT}
#: ``model.json``: a Keras model config (what it may name is the allow-list of harness/checks/config_gate.py).
MODEL_CONFIG = Record({"class_name": Text(200), "config": Json(depth=64)}, required=("class_name", "config"),
                      open=True)


@dataclass(frozen=True)
class FileSpec:
    """One file a job may leave: its format (``json``, ``keras``, ``npz``), its size limit, its JSON shape."""

    name: str
    format: str
    max_bytes: int
    spec: Spec | None = None


MIB = 2**20
FILES: dict[str, FileSpec] = {f.name: f for f in (
    FileSpec("model.keras", "keras", 512 * MIB),
    FileSpec("model.json", "json", 4 * MIB, MODEL_CONFIG),
    FileSpec("info.json", "json", 1 * MIB, INFO),
    FileSpec("error.json", "json", 64 * 1024, ERROR),
    FileSpec("outputs.npz", "npz", 2048 * MIB),
    FileSpec("outputs.json", "json", 4 * MIB),  # its shape depends on the task's kind: OUTPUTS_BY_KIND
)}
OUTPUT_FILES = tuple(FILES)
#: Archives: members, and what they may unpack to (a zip bomb is refused before anything opens it).
MAX_ARCHIVE_MEMBERS = 4096
MAX_UNPACKED_BYTES = 2 * 1024**3


def spec_for(name: str, kind: str | None = None) -> Spec | None:
    """The JSON shape of ``name`` for a task of ``kind`` (``None``: any kind's)."""
    if name != "outputs.json":
        return FILES[name].spec
    if kind is None:
        return _AnyOf(tuple(OUTPUTS_BY_KIND.values()))
    return OUTPUTS_BY_KIND.get(kind, _Never(f"is not an output of a {kind} task"))


@dataclass(frozen=True)
class _AnyOf(Spec):
    options: tuple[Spec, ...]
    phrase = "an object"

    def check(self, value: Any, where: str) -> None:
        first: _Bad | None = None
        for option in self.options:
            try:
                option.check(value, where)
                return
            except _Bad as bad:
                first = first or bad
        raise first or _Bad(where, "matches no declared shape")


@dataclass(frozen=True)
class _Never(Spec):
    why: str

    def check(self, value: Any, where: str) -> None:
        raise _Bad("", self.why)


def read_bounded(path: Path, limit: int) -> bytes:
    """At most ``limit`` bytes of a regular file, never following a link; larger is a :class:`ProtocolError`."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ProtocolError(path.name, "it is not a regular file", "is refused")
        chunks, size = [], 0
        while chunk := os.read(fd, min(1 << 20, limit + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise ProtocolError(path.name, f"it is larger than {_size(limit)}", "is refused")
        return b"".join(chunks)
    finally:
        os.close(fd)


def load_json(path: Path, kind: str | None = None) -> Any:
    """The parsed, validated content of a JSON file a job left (``path.name`` is one of :data:`FILES`)."""
    spec = FILES.get(path.name)
    if spec is None or spec.format != "json":
        raise ProtocolError(clean_text(path.name, 80), "it is not a file the grader reads", "is refused")
    data = read_bounded(path, spec.max_bytes)
    try:
        value = json.loads(data)
    except RecursionError:
        raise ProtocolError(path.name, "it is nested too deeply") from None
    except ValueError as exc:  # UnicodeDecodeError is one
        raise ProtocolError(path.name, f"it is not valid JSON ({type(exc).__name__})") from None
    shape = spec_for(path.name, kind)
    if shape is None:  # every JSON file of FILES declares its shape
        raise ProtocolError(path.name, "the grader declares no shape for it", "is refused")
    return validate(shape, value, path.name)


def clean_json(value: Any, depth: int = 0) -> Any:
    """The same JSON with every string cleaned of terminal escapes (it is printed in feedback)."""
    if depth > 64:
        raise ProtocolError("JSON", "it is nested too deeply")
    if isinstance(value, str):
        return clean_text(value, len(value))
    if isinstance(value, list):
        return [clean_json(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {clean_text(str(k), 200): clean_json(v, depth + 1) for k, v in value.items()}
    return value


# -- archives: model.keras and outputs.npz ---------------------------------------------------------------------------

#: Array types a function may return: numbers, booleans and strings (never objects: no pickles cross).
_DESCR = re.compile(r"[<>|=]?([biufcSU])(\d{1,4})")


@dataclass(frozen=True)
class ArrayHeader:
    member: str
    shape: tuple[int, ...]
    kind: str
    nbytes: int


def check_archive(path: Path, format: str) -> list[ArrayHeader]:
    """Refuse (:class:`ProtocolError`) a zip the trusted side may not open: bombs, odd or linked names, a Keras
    archive without ``config.json``, ``.npy`` headers that promise more than their member holds. Returns the
    arrays of an ``npz`` as their headers declare them (read here without numpy)."""
    name = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ARCHIVE_MEMBERS:
                raise ProtocolError(name, f"it has {len(infos)} archive members", "is refused")
            if sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
                raise ProtocolError(name, f"it unpacks to more than {MAX_UNPACKED_BYTES // 2**30} GiB", "is refused")
            for info in infos:
                member = info.filename
                is_link = (info.external_attr >> 16) & 0o170000 == 0o120000
                if member.startswith("/") or ".." in member.split("/") or "\\" in member or is_link:
                    raise ProtocolError(name, f"archive member {clean_text(member, 80)!r} is a link or leaves the "
                                        "archive", "is refused")
            if format == "keras" and "config.json" not in {i.filename for i in infos}:
                raise ProtocolError(name, "it is not a Keras archive (no config.json)", "is refused")
            if format == "npz":
                return [_npy_header(archive, info, name) for info in infos]
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError) as exc:
        if isinstance(exc, ProtocolError):
            raise
        raise ProtocolError(name, f"it is not a readable archive ({clean_text(str(exc), 120)})",
                            "is refused") from None
    return []


def _npy_header(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> ArrayHeader:
    member = clean_text(info.filename, 80)
    if not re.fullmatch(ARRAY_KEY + r"\.npy", info.filename):
        raise ProtocolError(name, f"unexpected member {member!r}", "is refused")
    with archive.open(info) as handle:
        magic = handle.read(8)
        if magic[:6] != b"\x93NUMPY" or magic[6] not in (1, 2, 3):
            raise ProtocolError(name, f"{member} is not a .npy array", "is refused")
        size_bytes = handle.read(2 if magic[6] == 1 else 4)
        length = int.from_bytes(size_bytes, "little")
        if length > 10_000:
            raise ProtocolError(name, f"{member} has a header of {length} bytes", "is refused")
        text = handle.read(length).decode("latin-1")
    try:
        header = ast.literal_eval(text.strip())
        descr, shape = header["descr"], tuple(header["shape"])
    except (ValueError, SyntaxError, KeyError, TypeError, MemoryError, RecursionError):
        raise ProtocolError(name, f"{member} has an unreadable header", "is refused") from None
    typed = _DESCR.fullmatch(descr) if isinstance(descr, str) else None
    if typed is None and "O" in str(descr):
        raise ProtocolError(name, f"{member} holds Python objects", "is refused")
    if typed is None:
        raise ProtocolError(name, f"{member} holds {clean_text(str(descr), 40)!r}: only numbers, booleans and "
                            "strings cross (never Python objects)", "is refused")
    if not all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n < 2**40 for n in shape) or len(shape) > 32:
        raise ProtocolError(name, f"{member} declares an impossible shape", "is refused")
    itemsize = int(typed.group(2)) * (4 if typed.group(1) == "U" else 1)
    nbytes = math.prod(shape) * itemsize
    if nbytes > info.file_size:
        raise ProtocolError(name, f"{member} declares more data than it holds", "is refused")
    return ArrayHeader(info.filename[:-4], shape, typed.group(1), nbytes)


#: A function's arrays may hold this many times what the reference's returns hold, plus a fixed slack: wrong
#: shapes and dtypes (float64 for float32, a missing reduction) are graded ``failed`` with the difference named;
#: a gigabyte where the reference returns kilobytes never reaches numpy.
ARRAY_FACTOR = 16
ARRAY_SLACK = 1 * MIB


def array_budget(reference_bytes: int) -> int:
    """The bytes a student's ``outputs.npz`` may declare, from the bytes the reference returns on the same cases."""
    return ARRAY_FACTOR * reference_bytes + ARRAY_SLACK


def check_npz(path: Path, budget: int) -> list[ArrayHeader]:
    """``outputs.npz`` checked as an archive, and its arrays together no larger than ``budget`` bytes (the trusted
    side derives it from the reference's own returns), before numpy allocates anything for them."""
    arrays = check_archive(path, "npz")
    total = sum(a.nbytes for a in arrays)
    if total > budget:
        raise ProtocolError(path.name, f"its arrays hold {_size(total)}, more than the {_size(budget)} that the "
                            "reference's returns allow", "is refused")
    return arrays


def check_layout(layout: dict[str, Any], arrays: list[ArrayHeader]) -> None:
    """Every array a case's layout names is in ``outputs.npz`` and belongs to that case."""
    members = {a.member for a in arrays}

    def leaves(tree: Any) -> Iterator[str]:
        if isinstance(tree, list):
            for item in tree:
                yield from leaves(item)
        else:
            yield tree

    for case, tree in layout.items():
        for leaf in leaves(tree):
            if leaf not in members or not (leaf == case or leaf.startswith(case + ".")):
                raise ProtocolError("outputs.json", f"'layout.{case}' names {leaf!r}, which is not one of its "
                                    "arrays in outputs.npz")


def _size(count: int) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"


# -- messages: the task in, the outcome out ----------------------------------------------------------------------------

#: A relative path inside the submission (no ``..``, not absolute).
RELATIVE = r"(?s)(?!/)(?!.*(^|/)\.\.(/|$))[^\x00]{1,1000}"
TASK = Record({
    "kind": Text(20, choices=("model", "function", "train")), "file": Text(1000, pattern=RELATIVE),
    "seed": Integer(-(2**63), 2**63), "entry": Text(200), "function": Text(200), "output": Text(200),
    "batch_shape": ListOf(Nullable(Integer(0)), 16), "dtype": Text(40), "short_circuit": Boolean(),
    "save": Text(20, choices=("keras", "config")), "data": MapOf(Text(4000)), "signature": Text(1000),
    "returns": Text(1000),
}, required=("kind", "file"), open=True)  # cases (arrays), the reference's fingerprint and a recipe: trusted data
#: The zygote's report of one task (it runs in the jail: a child that took it over could forge it).
OUTCOME = Record({
    "exit_code": Nullable(Integer(-(2**31), 2**31)), "signal": Nullable(Integer(0, 128)), "timed_out": Boolean(),
    "wall_s": Number(0), "cpu_s": Number(0), "max_rss_kb": Integer(), "output_head": Text(200_000),
    "output_tail": Text(200_000), "output_bytes": Integer(), "strays_killed": Integer(), "worker_died": Boolean(),
    "worker_error": Text(4000), "memory_exceeded": Boolean(), "nproc_exceeded": Boolean(),
    "processes_peak": Integer(), "vm_peak_kb": Integer(), "peak_memory_kb": Integer(), "vm_base_kb": Integer(),
    "refused": ListOf(Text(1000), 200),
    "preflight": Record({"ok": Boolean(), "reason": Nullable(Text(4000)), "wall_s": Number(0)}, open=True),
    "fork_threads": Integer(), "zygote_id": Text(64),
}, open=True)  # keys the worker does not read are dropped there, never used


def check_task(task: Any) -> dict[str, Any]:
    """The task, if it is one; both the grader (before writing it) and the child (before running it) call this."""
    return validate(TASK, task, "the task")


def check_outcome(values: Any) -> dict[str, Any]:
    return validate(OUTCOME, values, "the zygote's reply")


# -- the submission, on its way in -------------------------------------------------------------------------------------

#: Caps on a submission folder: what is hashed and copied into the sandbox. A student's code and notebooks fit in
#: a fraction of these; data files and checkpoints do not belong in a submission.
MAX_FILE_BYTES = 20 * MIB
MAX_SUBMISSION_BYTES = 50 * MIB
MAX_FILES = 2000
MAX_DEPTH = 16


class SubmissionRefused(ValueError):
    """A submission over a cap; the message names the file and the cap."""


def skipped(relative: str) -> bool:
    """Parts of a submission that are never hashed nor copied: hidden files and Python caches."""
    return any(part.startswith(".") or part == "__pycache__" for part in relative.split("/"))


def walk_submission(root: Path) -> Iterator[tuple[str, Path, int]]:
    """``(relative path, path, size)`` of each folder (``size == -1``) and regular file of a submission, depth
    first in name order, without recursion and without following links; :class:`SubmissionRefused` past
    :data:`MAX_FILE_BYTES`, :data:`MAX_SUBMISSION_BYTES`, :data:`MAX_FILES` or :data:`MAX_DEPTH`."""
    total = files = 0
    stack = [(0, iter(_listing(root, "")))]
    while stack:
        depth, entries = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        name, path = entry
        if skipped(name) or path.is_symlink():
            continue
        shown = clean_text(name, 200)
        info = path.lstat()
        if stat.S_ISDIR(info.st_mode):
            if depth + 1 >= MAX_DEPTH:
                raise SubmissionRefused(f"{root}: {shown} is nested deeper than {MAX_DEPTH} folders; flatten the "
                                        "submission")
            yield name, path, -1
            stack.append((depth + 1, iter(_listing(root, name))))
            continue
        if not stat.S_ISREG(info.st_mode):
            continue  # FIFOs, sockets, devices: never read
        files += 1
        total += info.st_size
        if info.st_size > MAX_FILE_BYTES:
            raise SubmissionRefused(f"{root}: {shown} is {_size(info.st_size)}, more than the {_size(MAX_FILE_BYTES)} "
                                    "a submission file may have; remove data files and checkpoints")
        if files > MAX_FILES:
            raise SubmissionRefused(f"{root}: more than {MAX_FILES} files (at {shown}); remove data files")
        if total > MAX_SUBMISSION_BYTES:
            raise SubmissionRefused(f"{root}: submission is larger than {_size(MAX_SUBMISSION_BYTES)} (at {shown}); "
                                    "remove data files and checkpoints from the folder")
        yield name, path, info.st_size


def _listing(root: Path, relative: str) -> list[tuple[str, Path]]:
    folder = root / relative if relative else root
    try:
        names = sorted(os.listdir(folder))
    except OSError as exc:
        raise SubmissionRefused(f"{root}: cannot list {clean_text(relative or '.', 200)} ({exc.strerror})") from None
    if len(names) > MAX_FILES:
        raise SubmissionRefused(f"{root}: {clean_text(relative or '.', 200)} holds more than {MAX_FILES} entries")
    return [(f"{relative}/{n}" if relative else n, folder / n) for n in names]


def read_chunks(path: Path, size: int, chunk: int = 1 << 20) -> Iterator[bytes]:
    """A submission file's bytes in chunks, never following a link, never more than the ``size`` it was
    listed with (a file that grows meanwhile is refused: its cap was checked on that size)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise SubmissionRefused(f"{path}: not a regular file")
        read = 0
        while data := os.read(fd, min(chunk, size + 1 - read)):
            read += len(data)
            if read > size:
                raise SubmissionRefused(f"{path}: grew while it was read; grade it again once it is complete")
            yield data
    finally:
        os.close(fd)
