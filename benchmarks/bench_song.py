"""The stateful song model's verdict: how the grader trains it vs the seed's recipe as written (not a test).

Model: ``reference/song_stateful_lstm.py`` (seed 000/002: LSTM(128, stateful=True) on batch (1, 4, 1) + Dense(12)),
adam, categorical cross-entropy, the 50 windows of "나비야". Both runs start from the same weights (seed 0) and
do the same maths (one Adam step per window, windows in order, states reset every epoch).

``grader``  what ``grader run --checks train`` runs in the sandbox: :func:`harness.sandbox.jail.training_task.
            train_stateful_fast` (50 epochs per XLA-compiled graph call), stopping after the first epoch at which
            the model gets every window right (checked inside the graph on the updated model); then the verdict
            as the grader computes it: train accuracy (one-step prediction) and the full song fed back.
``seed``    the seed's loop as written: ``for e in range(2000): model.fit(x, y, epochs=1, batch_size=1,
            shuffle=False); model.reset_states()`` (Keras 3: each stateful layer's ``reset_state()``), timed over
            ``--seed-epochs`` iterations; when the whole 2000 would take more than 5 minutes the total is
            extrapolated from the per-epoch median (and the output says so). ``--seed-epochs 2000`` runs it all.

Usage::

    .venv/bin/python benchmarks/bench_song.py                    # grader path + 60 seed epochs, extrapolated
    .venv/bin/python benchmarks/bench_song.py --seed-epochs 2000 # the seed's full recipe (minutes)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import keras
import tensorflow as tf

from harness import song
from harness.sandbox.jail.training_task import train_stateful_fast
from reference.song_stateful_lstm import ASSIGNMENT

SEED_EPOCHS = 2000
FIVE_MINUTES = 300.0


def build(seed: int) -> keras.Model:
    keras.utils.set_random_seed(seed)
    model = ASSIGNMENT.build()
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def grader_path(seed: int, max_epochs: int) -> dict:
    model = build(seed)
    x, y = song.song_arrays("1f", "sequence")
    started = time.perf_counter()
    log = train_stateful_fast(model, x, y, max_epochs, stop_when_perfect=True, time_budget_s=60.0)
    trained = time.perf_counter() - started
    one, full = song.one_step(model), song.full_song(model)
    return {"epochs": log.epochs, "train_s": trained, "first_call_s": log.chunk_seconds[0], "stop": log.stop_reason,
            "one_step": one.correct, "full_song": full.correct, "judge_s": time.perf_counter() - started - trained}


def seed_recipe(seed: int, epochs: int) -> dict:
    model = build(seed)
    x, y = song.song_arrays("1f", "sequence")
    times = []
    for _ in range(epochs):
        t = time.perf_counter()
        model.fit(x, y, epochs=1, batch_size=1, verbose=0, shuffle=False)
        song.reset_states(model)
        times.append(time.perf_counter() - t)
    per_epoch = statistics.median(times[1:]) if len(times) > 1 else times[0]
    total = sum(times) if epochs >= SEED_EPOCHS else times[0] + per_epoch * (SEED_EPOCHS - 1)
    return {"epochs_timed": epochs, "first_s": times[0], "per_epoch_s": per_epoch, "total_2000_s": total,
            "extrapolated": epochs < SEED_EPOCHS, "one_step": song.one_step(model).correct,
            "full_song": song.full_song(model).correct}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seed-epochs", type=int, default=60,
                        help="epochs of the seed's loop actually run (2000: all of it)")
    parser.add_argument("--max-epochs", type=int, default=400, help="the grader's quick recipe: at most 400 epochs")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    tf.config.experimental.enable_op_determinism()  # as the sandboxed child does
    print(f"keras {keras.__version__}, tensorflow {tf.__version__}, {os.cpu_count()} CPUs, {args.threads} threads, "
          f"seed {args.seed}", flush=True)
    g = grader_path(args.seed, args.max_epochs)
    print(f"grader: {g['epochs']} epochs ({g['stop'] or 'no early stop'}) in {g['train_s']:.2f} s of training "
          f"(first graph call, tracing + XLA compilation + 50 epochs: {g['first_call_s']:.2f} s); train accuracy "
          f"{g['one_step']}/50, full song {g['full_song']}/50; judging {g['judge_s']:.2f} s", flush=True)
    s = seed_recipe(args.seed, args.seed_epochs)
    how = (f"extrapolated from {s['epochs_timed']} epochs run (first {s['first_s']:.2f} s, then median "
           f"{1000 * s['per_epoch_s']:.0f} ms/epoch)" if s["extrapolated"] else f"all {SEED_EPOCHS} epochs run")
    print(f"seed recipe (2000 x fit(epochs=1, batch_size=1) + reset): {s['total_2000_s']:.0f} s, {how}"
          + (f"; after those {s['epochs_timed']} epochs: train accuracy {s['one_step']}/50, full song "
             f"{s['full_song']}/50" if s["extrapolated"] else
             f"; train accuracy {s['one_step']}/50, full song {s['full_song']}/50"), flush=True)
    if s["extrapolated"] and s["total_2000_s"] <= FIVE_MINUTES:
        print("(the full seed recipe would take under 5 minutes here: run --seed-epochs 2000 to time it all)")
    print(f"ratio: the seed's recipe takes {s['total_2000_s'] / g['train_s']:.0f}x the grader's training time to "
          f"its verdict ({s['total_2000_s']:.0f} s vs {g['train_s']:.1f} s)")
    print("command: .venv/bin/python benchmarks/bench_song.py " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
