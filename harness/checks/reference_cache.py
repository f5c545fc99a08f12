"""The references' figures (:class:`harness.checks.references.Reference`) kept on disk between runs, under the user's
cache folder (``$GRADER_CACHE_DIR``, else ``$XDG_CACHE_HOME/grader``, else ``~/.cache/grader``).

Why: computing them (build every reference, run it once) is most of a structural run's CPU; they change only
with the references' source, the checks that derive them, and the installed versions, which together name the
folder they are kept in (:func:`key`). Only the grader reads and writes the cache (its checker is confined and
gets the figures over its pipe), and only figures computed by a checker that had loaded no student's model are
written. Nothing read back is believed blindly: a folder or file that is a link, not owned by this user, or
writable by others is ignored, as is a file whose bytes do not match the digest in its name; the file is an
``.npz`` read without pickles, and its description (a Python literal, read with :func:`ast.literal_eval`) is
checked field by field. A file that fails any of it is recomputed, never trusted.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import io
import os
import platform
import stat
import sys
from pathlib import Path
from typing import Any

import numpy as np

from harness.checks.layers import LayerView
from harness.checks.references import Reference

#: Bumped when what is stored changes meaning.
FORMAT = 2
#: No reference's figures come near this (the largest is a few kilobytes): a larger file is not ours.
MAX_BYTES = 16 * 2**20


def directory() -> Path:
    """The cache's root folder."""
    if os.environ.get("GRADER_CACHE_DIR"):
        return Path(os.environ["GRADER_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "grader"


@functools.cache
def key() -> str:
    """A digest of what the figures depend on: the source of the references, the catalog and the checks that
    derive the figures, and the versions of Python, TensorFlow, Keras and numpy on this machine's architecture."""
    import harness
    import reference
    from harness.versions import installed_versions

    digest = hashlib.sha256(f"format {FORMAT}\n{platform.machine()}\n".encode())
    versions = {**installed_versions(), "numpy": np.__version__}
    digest.update(repr(sorted(versions.items())).encode())
    package = Path(harness.__file__).resolve().parent
    sources = [*sorted(Path(reference.__file__).resolve().parent.rglob("*.py")),
               *sorted((package / "catalog").rglob("*.py")),
               *(package / name for name in ("checks/references.py", "checks/functional.py", "checks/layers.py"))]
    for path in sources:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


def _folder(create: bool = False) -> Path | None:
    """This key's folder, when it and the folders above it up to the cache root are ours alone."""
    root = directory()
    folder = root / "references" / key()
    if create:
        try:  # each level 0700: a umask of 002 would leave a group-writable folder the reads then refuse
            root.mkdir(mode=0o700, parents=True, exist_ok=True)
            (root / "references").mkdir(mode=0o700, exist_ok=True)
            folder.mkdir(mode=0o700, exist_ok=True)
        except OSError:
            return None
    return folder if all(_ours(path, stat.S_ISDIR) for path in (root, root / "references", folder)) else None


def _ours(path: Path, kind: Any) -> bool:
    """Whether ``path`` is of ``kind`` (not a link), owned by this user, and writable by no one else."""
    try:
        info = path.lstat()
    except OSError:
        return False
    return kind(info.st_mode) and info.st_uid == os.geteuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def load(assignment_id: str) -> tuple[Reference, ...] | None:
    """The assignment's figures as stored, or ``None`` when there are none that pass every check above."""
    folder = _folder()
    if folder is None:
        return None
    for path in sorted(folder.glob(f"{assignment_id}.*.npz")):
        found = _read(path, assignment_id)
        if found is not None:
            return found
    return None


def _read(path: Path, assignment_id: str) -> tuple[Reference, ...] | None:
    if not _ours(path, stat.S_ISREG) or path.lstat().st_size > MAX_BYTES:
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if path.name != _name(assignment_id, data):
        return None
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            meta = ast.literal_eval(str(npz["meta"][()]))
            arrays = {name: npz[name] for name in npz.files if name != "meta"}
        return _references(meta, arrays, assignment_id)
    except (ValueError, SyntaxError, TypeError, KeyError, OSError, MemoryError, RecursionError):
        return None


def _references(meta: Any, arrays: dict[str, np.ndarray], assignment_id: str) -> tuple[Reference, ...] | None:
    """The stored description turned back into references, field by field; ``None`` if anything is off."""
    if not (isinstance(meta, dict) and meta.get("format") == FORMAT and meta.get("assignment") == assignment_id
            and isinstance(meta.get("builds"), list) and meta["builds"]):
        return None
    found = []
    for number, build in enumerate(meta["builds"]):
        x, expected = arrays.get(f"x{number}"), arrays.get(f"expected{number}")
        if not (isinstance(build, dict) and set(build) == {"views", "total", "note", "weight_shapes", "signature"}
                and _int(build["total"]) and isinstance(build["note"], str) and isinstance(build["views"], list)
                and (build["signature"] is None or _digest(build["signature"]))
                and _shapes(build["weight_shapes"]) and x is not None and expected is not None
                and x.dtype.kind in "iuf" and expected.dtype.kind == "f"):
            return None
        views = [_view(row) for row in build["views"]]
        checked = [view for view in views if view is not None]
        if len(checked) != len(views):
            return None
        found.append(Reference(checked, build["total"], build["note"], [tuple(s) for s in build["weight_shapes"]], x,
                               expected, build["signature"]))
    return tuple(found)


def _view(row: Any) -> LayerView | None:
    if not (isinstance(row, tuple) and len(row) == 6):
        return None
    index, cls, shape, params, trainable, settings = row
    if not (_int(index) and isinstance(cls, str) and isinstance(shape, tuple)
            and all(d is None or _int(d) for d in shape) and _int(params) and isinstance(trainable, bool)
            and isinstance(settings, dict) and all(isinstance(k, str) for k in settings)):
        return None
    return LayerView(index, cls, shape, params, trainable, settings)


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _digest(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def _shapes(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(s, tuple) and all(_int(d) for d in s) for s in value)


def _name(assignment_id: str, data: bytes) -> str:
    return f"{assignment_id}.{hashlib.sha256(data).hexdigest()[:32]}.npz"


def encode(assignment_id: str, found: tuple[Reference, ...]) -> bytes | None:
    """The bytes of the file that keeps ``found``; ``None`` when its description would not read back the same
    (a setting that is not a plain literal): such figures are recomputed each run rather than stored wrong."""
    meta = {"format": FORMAT, "assignment": assignment_id, "builds": [
        {"views": [(v.index, v.cls, tuple(v.output_shape), v.params, v.trainable, v.settings) for v in r.views],
         "total": r.total, "note": r.note, "weight_shapes": [tuple(s) for s in r.weight_shapes],
         "signature": r.signature} for r in found]}
    text = repr(meta)
    try:
        if ast.literal_eval(text) != meta:
            return None
    except (ValueError, SyntaxError):
        return None
    arrays = {f"{name}{n}": value for n, r in enumerate(found)
              for name, value in (("x", r.x), ("expected", r.expected))}
    buffer = io.BytesIO()
    np.savez(buffer, meta=np.array(text), **arrays)  # type: ignore[arg-type]  # numpy's stub types **kwds as bool
    return buffer.getvalue()


def store(assignment_id: str, found: tuple[Reference, ...]) -> bool:
    """Keep ``found`` for later runs (written whole, then renamed into place); whether it was kept. A cache that
    cannot be written (a read-only home) only means the next run computes the figures again."""
    data = encode(assignment_id, found)
    folder = _folder(create=True) if data is not None else None
    if data is None or folder is None:
        return False
    temporary = folder / f".tmp-{os.getpid()}-{assignment_id}"
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(temporary, folder / _name(assignment_id, data))
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        print(f"grader: the reference cache {folder} cannot be written ({exc.strerror}); "
              "the next run computes the references again", file=sys.stderr)
        return False
    return True
