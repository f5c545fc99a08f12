"""``grader bench``: per-device, per-phase timings with olympic means, an honest GPU column, and the store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness import bench
from harness.catalog import load_catalog
from harness.output.leaderboard import rank_assignment
from harness.results import AssignmentResult, Check, SubmissionResult
from harness.results.store import open_store
from tests.conftest import ROOT, grader


def test_olympic_mean_drops_the_fastest_and_the_slowest() -> None:
    stats = bench.summarize([1.0, 2.0, 3.0, 4.0, 100.0])
    assert stats["olympic"] == 3.0 and stats["median"] == 3.0 and (stats["min"], stats["max"]) == (1.0, 100.0)
    assert bench.summarize([2.0, 4.0])["olympic"] == 3.0  # fewer than 3 runs: a plain mean
    assert bench.summarize([])["n"] == 0


def test_seeds_are_chosen_reproducibly() -> None:
    assert bench.seeds(0, 5) == bench.seeds(0, 5) != bench.seeds(1, 5)
    assert len(set(bench.seeds(0, 5))) == 5


def test_the_bar_is_the_override_the_calibration_or_the_seed(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    catalog = load_catalog()
    assert bench.target_for(catalog["song_lstm"], 0.5)["value"] == 0.5
    calibration = tmp_path / "calibration.json"
    calibration.write_text(json.dumps({"assignments": {
        "imdb_lstm": {"quick": {"checks": {"test_accuracy": {"bar": 0.76}}}},
        "jena_gru": {"quick": {"checks": {"test_mae": {"bar": 0.32}}}}}}))
    monkeypatch.setenv("GRADER_CALIBRATION", str(calibration))
    assert bench.target_for(catalog["imdb_lstm"])["value"] == pytest.approx(0.76)
    mae = bench.target_for(catalog["jena_gru"])
    assert mae["higher"] is False and mae["value"] == pytest.approx(0.32)  # MAE: lower is better
    monkeypatch.setenv("GRADER_CALIBRATION", str(tmp_path / "none.json"))
    seeded = bench.target_for(catalog["imdb_lstm"])
    assert seeded["value"] == pytest.approx(0.8818 * 0.95) and "seed's figure" in seeded["source"]


def _fake_runner(spec: dict, device: str) -> dict:
    """A run without TensorFlow: figures that depend on the seed, no GPU anywhere."""
    if device == "gpu":
        return {"device": device, "seed": spec["seed"], "available": False, "reason": "no GPU visible"}
    slow = 2.0 if spec["model_path"] else 1.0
    phases = {key: slow * (1 + spec["seed"] % 7) for key, _, _ in bench.PHASES}
    return {"device": device, "seed": spec["seed"], "available": True, "phases": phases, "steady_epochs": 3,
            "tta": {"reached": True, "seconds": phases["tta_s"], "metric": "accuracy", "best": 0.9},
            "synthetic": {"samples": 50, "x": "float32[50, 4, 1]", "y": "float32[50, 12]", "batch_size": 14}}


def test_a_missing_gpu_is_reported_and_nothing_is_stored_for_it(tmp_path: Path) -> None:
    settings = bench.Settings(runs=5, devices=("cpu", "gpu"), tta=False)
    entry = bench.bench_assignment(load_catalog()["song_lstm"],
                                   [bench.Subject("reference"), bench.Subject("alice", model_path="x.keras")],
                                   settings, runner=_fake_runner)
    cpu, gpu = entry["subjects"]["alice"]["cpu"], entry["subjects"]["alice"]["gpu"]
    assert gpu == {"runs": [], "available": False, "reason": "no GPU visible"}
    assert cpu["stats"]["steady_epoch_s"]["n"] == 5 and cpu["cudnn"] == "n/a (CPU)"
    steady = sorted(run["phases"]["steady_epoch_s"] for run in cpu["runs"])
    olympic = cpu["stats"]["steady_epoch_s"]["olympic"]
    assert olympic == pytest.approx(sum(steady[1:-1]) / 3) and olympic != pytest.approx(sum(steady) / 5)
    assert entry["ratio"]["cpu"] == pytest.approx(2.0) and entry["ratio"]["gpu"] is None
    report = {"submission": str(tmp_path / "alice"), "runs": 5, "devices": ["cpu", "gpu"], "grader": "test",
              "note": bench.SYNTHETIC_NOTE, "assignments": [entry]}
    text = bench.table(report)
    assert "n/a (no GPU visible)" in text and "olympic mean" in text and "CPU 2.00x" in text
    stored = bench.figures(entry, "alice")
    olympic = {key: cpu["stats"][key]["olympic"] for key in cpu["stats"]}
    assert stored == {"cpu": pytest.approx({
        "bench_cpu_s": olympic["steady_epoch_s"], "bench_cpu_tta_s": olympic["tta_s"],
        "bench_cpu_latency_ms": olympic["latency_p50_ms"], "bench_cpu_samples_per_s": olympic["train_samples_per_s"],
        "bench_cpu_ratio": 2.0}, rel=1e-5)}


def test_bench_figures_reach_the_leaderboard(tmp_path: Path) -> None:
    """Stored figures join the submission's graded result, so the assignment board shows CPU time."""
    entry = bench.bench_assignment(load_catalog()["song_lstm"],
                                   [bench.Subject("reference"), bench.Subject("alice", model_path="x.keras")],
                                   bench.Settings(runs=3, devices=("cpu", "gpu"), tta=False), runner=_fake_runner)
    path = str(tmp_path / "alice")
    with open_store(tmp_path / "g.sqlite") as store:
        run = store.begin_run({"grader": "test", "checks": "structure"})
        store.record(run, SubmissionResult("alice", path, [AssignmentResult.from_checks(
            "song_lstm", 10.0, [Check("layers", True)])]))
        assert bench.store_results(store, {"submission": path, "grader": "test", "assignments": [entry]}) == 4
        (result,) = store.latest()
    (standing,) = rank_assignment([result], "song_lstm")
    steady = entry["subjects"]["alice"]["cpu"]["stats"]["steady_epoch_s"]
    assert standing.bench_cpu_s == pytest.approx(steady["olympic"])
    assert standing.bench_gpu_s is None


def test_a_missing_dataset_skips_time_to_accuracy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.bench import child as bench_child

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.delenv("GRADER_DATA", raising=False)
    load = bench.workload(load_catalog()["imdb_lstm"], bench.Settings(data_dirs=[tmp_path]))
    out = bench_child.time_to_accuracy(None, load["tta"], load["recipe"], seed=1)
    assert "dataset missing" in out["skipped"] and "imdb" in out["skipped"]


def test_bench_cli_times_reference_and_submission(tmp_path: Path) -> None:
    """The real thing, small: alice's song_lstm beside the reference, 2 runs per device, a reachable bar.

    Two runs are the fewest that show the seeds recorded in order and a summary over several runs; dropping the
    extremes from 3 or more is shown on canned timings above, through the same ``bench_assignment``."""
    db = tmp_path / "bench.sqlite"
    done = grader("bench", str(ROOT / "submissions" / "alice"), "-a", "song_lstm", "--runs", "2", "--device", "all",
                  "--target", "song_lstm=0.2", "--format", "json", "--db", str(db), timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    (entry,) = report["assignments"]
    assert len(entry["seeds"]) == 2 and entry["target"]["source"] == "--target"
    for label in ("reference", "alice"):
        cpu, gpu = entry["subjects"][label]["cpu"], entry["subjects"][label]["gpu"]
        assert len(cpu["runs"]) == 2 and not cpu["errors"]
        assert [r["seed"] for r in cpu["runs"]] == entry["seeds"]
        for key in ("import_s", "build_s", "compile_s", "first_epoch_s", "steady_epoch_s", "train_samples_per_s",
                    "inference_samples_per_s", "latency_p50_ms", "latency_p90_ms", "tta_s"):
            stat = cpu["stats"][key]
            assert stat["n"] == 2 and stat["min"] <= stat["olympic"] <= stat["max"], key
            assert stat == bench.summarize([r["phases"][key] for r in cpu["runs"]]), key
        assert cpu["tta_reached"] == "2/2" and cpu["cudnn"] == "n/a (CPU)"
        if gpu["available"]:  # a machine with a GPU: the kernel of every LSTM is recorded
            assert isinstance(gpu["cudnn"], dict)
        else:
            assert gpu["reason"] == "no GPU visible" and gpu["runs"] == []
    assert entry["ratio"]["cpu"] > 0
    with open_store(db) as store:
        assert set(store.bench_figures(str(ROOT / "submissions" / "alice"))["song_lstm"]) >= {"bench_cpu_s",
                                                                                               "bench_cpu_ratio"}
        assert store.bench_figures("reference")["song_lstm"]["bench_cpu_s"] > 0


def test_bench_refuses_what_it_cannot_time() -> None:
    done = grader("bench", "-a", "rnn_forward")
    assert done.returncode == 2 and "function assignment" in done.stderr
    done = grader("bench")
    assert done.returncode == 2 and "-a ID" in done.stderr


def test_the_kernel_of_each_recurrent_layer_is_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the GPU runs record, exercised on the CPU: cuDNN refuses there, which shows as the generic kernel;
    with ``use_cudnn=True`` forced (reference runs on a GPU) a fallback is an error, never silent."""
    import numpy as np
    import tensorflow as tf
    from keras.src import backend

    from harness.bench import child as bench_child

    monkeypatch.setattr(backend, "lstm", backend.lstm)  # restored after the test
    monkeypatch.setattr(backend, "gru", backend.gru)
    x, y = np.zeros((4, 4, 1), "float32"), np.eye(12, dtype="float32")[:4]
    model = load_catalog()["song_lstm"].build()
    probe = bench_child._CudnnProbe(model, force=False)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.fit(x, y, epochs=1, verbose=0)
    on_gpu = bool(tf.config.list_logical_devices("GPU"))
    assert list(probe.report().values()) == ["cuDNN" if on_gpu else "generic (cuDNN refused this configuration)"]
    if not on_gpu:
        forced = load_catalog()["song_lstm"].build()
        bench_child._CudnnProbe(forced, force=True)
        forced.compile(optimizer="adam", loss="categorical_crossentropy")
        with pytest.raises(ValueError, match="use_cudnn=True"):
            forced.fit(x, y, epochs=1, verbose=0)
