"""How fast can seed 002's stateful LSTM learn "나비야" under Keras 3 on this machine?

Model (seed 002, "상태유지 LSTM 모델", Keras 3 spelling)::

    Sequential([Input(batch_shape=(1, 4, 1)), LSTM(128, stateful=True), Dense(12, activation="softmax")])
    compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])

Approaches timed (all the same maths: one Adam step per window, windows in order, states reset every epoch):

``seed``      the seed's loop as written: ``for e in range(2000): model.fit(x, y, epochs=1, batch_size=1,
              verbose=0, shuffle=False); reset`` (``model.reset_states()`` is gone in Keras 3: each stateful
              layer's ``reset_state()``). Timed over ``--seed-iters`` iterations and extrapolated.
``fit``       one ``fit(epochs=N, batch_size=1, shuffle=False, steps_per_execution=50)`` call with a callback
              that resets the states at each epoch start (and checks the full song every ``--check-every``).
``fast``      :func:`harness.song.train_stateful_fast`: many epochs per ``tf.function`` call, XLA-compiled.
``fast-nojit`` the same without XLA.

Training stops at the first check (every ``--check-every`` epochs) where the model is perfect: one-step 50/50
(100% train accuracy at fixed weights) and full song 50/50. Checks are listed as ``(epoch, one_step,
full_song)``. For ``fit`` / ``fast`` / ``fast-nojit`` the time includes tracing/compiling and the checks (about
25 ms each); for ``seed`` the checks are not timed (``--seed-checks``).

Usage::

    .venv/bin/python benchmarks/bench_song_train.py                 # all approaches, seed 5
    .venv/bin/python benchmarks/bench_song_train.py --only fast --seeds 1 2 3 4 5
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import keras
import numpy as np

from harness import song


def build(seed: int) -> keras.Model:
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input(batch_shape=(1, 4, 1)),
            keras.layers.LSTM(128, stateful=True),
            keras.layers.Dense(song.NUM_CLASSES, activation="softmax"),
        ]
    )
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def run_seed(seed: int, iters: int, every: int, x: np.ndarray, y: np.ndarray) -> dict:
    """The seed's loop for ``iters`` epochs; the full song is checked every ``every`` epochs (check time is
    not counted) and the loop stops at the first 50/50 when ``iters`` is the full budget."""
    model = build(seed)
    times = []
    scores = []
    reached = None
    for epoch in range(1, iters + 1):
        t = time.perf_counter()
        model.fit(x, y, epochs=1, batch_size=1, verbose=0, shuffle=False)
        song.reset_states(model)
        times.append(time.perf_counter() - t)
        if every and epoch % every == 0:
            result = song.evaluate_song(model)
            scores.append((epoch, result.one_step.correct, result.full_song.correct))
            if result.perfect:
                reached = (epoch, sum(times))
                break
    steady = float(np.median(times[1:])) if len(times) > 1 else times[0]
    return {"first_s": times[0], "per_epoch_s": steady, "total_s": sum(times), "epochs": len(times),
            "scores": scores, "reached": reached}


class _ResetAndCheck(keras.callbacks.Callback):
    def __init__(self, every: int):
        super().__init__()
        self.every = every
        self.scores: list[tuple[int, int]] = []

    def on_epoch_begin(self, epoch, logs=None):
        song.reset_states(self.model)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            result = song.evaluate_song(self.model)
            self.scores.append((epoch + 1, result.one_step.correct, result.full_song.correct))
            if result.perfect:
                self.model.stop_training = True


def run_fit(seed: int, max_epochs: int, every: int, x: np.ndarray, y: np.ndarray) -> dict:
    model = build(seed)
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"], steps_per_execution=50)
    cb = _ResetAndCheck(every)
    t = time.perf_counter()
    hist = model.fit(x, y, epochs=max_epochs, batch_size=1, verbose=0, shuffle=False, callbacks=[cb])
    total = time.perf_counter() - t
    epochs = len(hist.history["loss"])
    return {"total_s": total, "epochs": epochs, "per_epoch_s": total / epochs, "scores": cb.scores,
            "final_acc": hist.history["accuracy"][-1]}


def run_fast(seed: int, max_epochs: int, every: int, x: np.ndarray, y: np.ndarray, jit: bool) -> dict:
    model = build(seed)
    log = song.train_stateful_fast(model, x, y, max_epochs, check_every=every, check=song.evaluate_song,
                                   until=lambda r: r.perfect, jit_compile=jit)
    steady = log.chunk_seconds[1:]
    return {"total_s": log.seconds, "epochs": log.epochs, "per_epoch_s": log.seconds / log.epochs,
            "first_chunk_s": log.chunk_seconds[0],
            "steady_ms_per_epoch": 1000 * sum(steady) / max(1, (len(steady) * every)) if steady else None,
            "scores": [(e, r.one_step.correct, r.full_song.correct) for e, r in log.checks],
            "final_acc": log.accuracy[-1]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, nargs="+", default=[5])
    ap.add_argument("--seed-iters", type=int, default=50, help="fit(epochs=1) iterations timed for 'seed'")
    ap.add_argument("--max-epochs", type=int, default=2000)
    ap.add_argument("--check-every", type=int, default=25)
    ap.add_argument("--seed-checks", action="store_true",
                    help="check the full song in the seed loop too and stop it at the first 50/50 (with "
                         "--seed-iters 2000: the seed recipe's real time to 50/50)")
    ap.add_argument("--only", nargs="+", choices=["seed", "fit", "fast", "fast-nojit"],
                    default=["seed", "fit", "fast", "fast-nojit"])
    args = ap.parse_args()
    x, y = song.song_arrays("1f", "sequence")
    print(f"keras {keras.__version__}, backend {keras.backend.backend()}, cpus {os.cpu_count()}")
    rows = []
    for seed in args.seeds:
        if "seed" in args.only:
            r = run_seed(seed, args.seed_iters, args.check_every if args.seed_checks else 0, x, y)
            r["extrapolated_2000_s"] = r["first_s"] + r["per_epoch_s"] * 1999
            print(f"[seed {seed}] seed recipe: first iteration {r['first_s']:.2f}s, then {r['per_epoch_s']*1000:.0f}"
                  f" ms/epoch over {r['epochs']} iterations ({r['total_s']:.1f}s) -> 2000 epochs ~ "
                  f"{r['extrapolated_2000_s']:.0f}s" + (" (extrapolated)" if r["epochs"] < 2000 else ""), flush=True)
            if r["scores"]:
                print(f"[seed {seed}] seed recipe checks (epoch, one-step, full-song) {r['scores']}; 50/50 first at "
                      + (f"epoch {r['reached'][0]} after {r['reached'][1]:.1f}s of training" if r["reached"]
                         else "no check"), flush=True)
            rows.append(("seed", seed, r))
        for name in ("fit", "fast", "fast-nojit"):
            if name not in args.only:
                continue
            if name == "fit":
                r = run_fit(seed, args.max_epochs, args.check_every, x, y)
            else:
                r = run_fast(seed, args.max_epochs, args.check_every, x, y, jit=(name == "fast"))
            print(f"[seed {seed}] {name}: {r['epochs']} epochs in {r['total_s']:.1f}s "
                  f"({r['per_epoch_s']*1000:.1f} ms/epoch all in), final train acc {r['final_acc']:.2f}, "
                  f"checks (epoch, one-step, full-song) {r['scores']}", flush=True)
            if r.get("steady_ms_per_epoch") is not None:
                print(f"[seed {seed}] {name}: first graph call (trace+compile+{args.check_every} epochs) "
                      f"{r['first_chunk_s']:.2f}s, then {r['steady_ms_per_epoch']:.1f} ms/epoch", flush=True)
            rows.append((name, seed, r))
    seed_rows = [r for n, _, r in rows if n == "seed"]
    if seed_rows:
        per_epoch_seed = float(np.mean([r["per_epoch_s"] for r in seed_rows]))
        for name, seed, r in rows:
            if name == "seed":
                continue
            same = per_epoch_seed * r["epochs"]
            print(f"ratio [{name}, seed {seed}]: the seed recipe would need ~{same:.0f}s for the same {r['epochs']} "
                  f"epochs -> {same / r['total_s']:.1f}x faster; vs the seed's full 2000 epochs "
                  f"(~{per_epoch_seed * 2000:.0f}s) {per_epoch_seed * 2000 / r['total_s']:.1f}x", flush=True)


if __name__ == "__main__":
    main()
