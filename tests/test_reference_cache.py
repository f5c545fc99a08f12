"""The references' figures kept on disk (harness/checks/reference_cache.py): read back exactly as written, and never
believed when the file or its folder could have been written by anyone else or the bytes changed."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from harness.checks import reference_cache
from harness.checks.layers import LayerView
from harness.checks.references import Reference


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def figures(note: str = "") -> tuple[Reference, ...]:
    views = [LayerView(1, "Embedding", (None, 500, 32), 320000, True, {"input_dim": 10000, "output_dim": 32}),
             LayerView(2, "Conv1D", (None, 494, 32), 7200, True,
                       {"filters": 32, "kernel_size": (7,), "activation": "relu", "rate": 0.5, "layer": None})]
    x = np.arange(6, dtype="int32").reshape(3, 2)
    return (Reference(views, 327200, note, [(10000, 32), (7, 32, 32), (32,)], x, np.ones((3, 1), "float32")),)


def stored_file() -> Path:
    return next((reference_cache.directory() / "references" / reference_cache.key()).glob("imdb_conv1d.*.npz"))


def same(a: tuple[Reference, ...], b: tuple[Reference, ...]) -> bool:
    return len(a) == len(b) and all(
        x.views == y.views and x.total == y.total and x.note == y.note and x.weight_shapes == y.weight_shapes
        and np.array_equal(x.x, y.x) and x.x.dtype == y.x.dtype and np.array_equal(x.expected, y.expected)
        for x, y in zip(a, b))


def test_figures_read_back_exactly_as_stored() -> None:
    assert reference_cache.load("imdb_conv1d") is None
    assert reference_cache.store("imdb_conv1d", figures("accepted: Keras 2's count"))
    found = reference_cache.load("imdb_conv1d")
    assert found is not None and same(found, figures("accepted: Keras 2's count"))
    assert found[0].views[1].settings["kernel_size"] == (7,)  # a tuple stays a tuple: settings compare equal
    assert stored_file().stat().st_mode & 0o777 == 0o600
    assert reference_cache.load("imdb_lstm") is None  # another assignment's file is not this one's


@pytest.mark.parametrize("spoil", ["flip a byte", "group-writable", "a link", "folder world-writable"])
def test_figures_that_could_have_been_changed_are_not_believed(spoil: str, tmp_path: Path) -> None:
    reference_cache.store("imdb_conv1d", figures())
    path = stored_file()
    if spoil == "flip a byte":
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
    elif spoil == "group-writable":
        os.chmod(path, 0o620)
    elif spoil == "a link":
        target = tmp_path / "elsewhere.npz"
        target.write_bytes(path.read_bytes())
        path.unlink()
        path.symlink_to(target)
    else:
        os.chmod(path.parent, 0o777)
    assert reference_cache.load("imdb_conv1d") is None


def test_a_group_writable_umask_still_caches() -> None:
    """The folders are made 0700 whatever the umask, so a umask of 002 does not make every read refuse them."""
    previous = os.umask(0o002)
    try:
        assert reference_cache.store("imdb_conv1d", figures())
    finally:
        os.umask(previous)
    assert reference_cache.load("imdb_conv1d") is not None


def test_a_setting_that_is_not_a_plain_literal_is_not_stored() -> None:
    odd = figures()
    odd[0].views[1].settings["rate"] = np.float32(0.5)  # repr() would not read back as the same value
    assert reference_cache.encode("imdb_conv1d", odd) is None
    assert not reference_cache.store("imdb_conv1d", odd)


def test_every_model_assignment_can_be_cached() -> None:
    """Computed the slow way, each reference's figures read back equal: no assignment is recomputed every run."""
    from harness.catalog import ModelAssignment, load_catalog
    from harness.checks import references

    ids = [i for i, a in load_catalog().items() if isinstance(a, ModelAssignment)]
    for assignment_id in ids:
        computed = references.compute(assignment_id)
        assert reference_cache.store(assignment_id, computed), assignment_id
        assert same(reference_cache.load(assignment_id), computed), assignment_id
    assert len(list((reference_cache.directory() / "references" / reference_cache.key()).glob("*.npz"))) == len(ids)
