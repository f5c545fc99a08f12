"""The dataset registry (``harness/datasets/__init__.py``): what code elsewhere must know of a dataset is asked of
its entry, not compared with its name (``grader bench`` here)."""

from __future__ import annotations

from pathlib import Path

from harness import bench, datasets
from harness.catalog import ModelAssignment, load_catalog


def test_loaders_and_options_are_read_from_the_registry() -> None:
    assert datasets.LOADERS == {name: entry.loader for name, entry in datasets.DATASETS.items()}
    assert datasets.OPTIONS == {name: entry.options for name, entry in datasets.DATASETS.items()}


def test_bench_asks_the_dataset_whether_it_times_accuracy(tmp_path: Path) -> None:
    trained = [a for a in load_catalog().values() if isinstance(a, ModelAssignment) and a.training is not None]
    by_kind = {datasets.DATASETS[a.training.dataset].generators: a for a in trained if a.training is not None}
    assert set(by_kind) == {True, False}  # the catalog has both kinds: both are exercised
    settings = bench.Settings(data_dirs=[tmp_path])
    from_generators = bench.workload(by_kind[True], settings)
    assert from_generators["tta"] is None and "train from generators" in from_generators["tta_note"]
    in_memory = bench.workload(by_kind[False], settings)
    assert "generators" not in in_memory["tta_note"]


def test_a_small_dataset_counts_its_own_samples(tmp_path: Path) -> None:
    small = [a for a in load_catalog().values() if isinstance(a, ModelAssignment) and a.training is not None
             and datasets.DATASETS[a.training.dataset].small and not a.training.quick.data.get("train_limit")]
    assert small, "no assignment trains on a small dataset: this test would check nothing"
    assignment = small[0]
    assert assignment.training is not None
    expected = len(datasets.load(assignment.training.dataset,
                                 {k: v for k, v in assignment.training.quick.data.items()
                                  if k not in datasets.RUNNER_KEYS}).x_train)
    assert bench.workload(assignment, bench.Settings(data_dirs=[tmp_path]))["samples"] == min(expected,
                                                                                              bench.MAX_SAMPLES)
