"""Training bars from distributions: where a correct model passes, where a known-broken one gets nothing.

Why: a bar at a fraction of *one* reference run fails a correct model whenever its seed is unlucky. ``grader
calibrate`` trains the reference under N seeds and each known-broken variant (:class:`harness.catalog.Broken`)
under M seeds; this module turns those scores into the rule ``--checks train`` applies:

- **bar** (pass): the one-sided lower normal tolerance bound of the correct runs: 99% of correct runs score above
  it, with 95% confidence given N runs (``mean - k·sd``; for MAE, lower is better: ``mean + k·sd``). ``k`` comes from
  the usual approximation (Natrella / NIST e-Handbook 7.2.6.3) with the standard normal's quantiles from
  :mod:`statistics`, so no SciPy. 95%, not 90%: on fresh seeds, the IMDB recurrent models and the MNIST CNN have a
  heavier low tail than a normal distribution (a training run that starts badly), and at 90% one fresh seed in 10–20
  missed its bar. Even at 95%, ten calibration seeds cannot see the furthest tails (an MNIST MLP 4 sd, a song LSTM
  5 sd below the mean on fresh seeds): the bar is an estimate from those runs, and the feedback says how many.
- from :func:`distribution_free_runs` correct runs on (299 at 99%/95%), the bar is also never above the
  **distribution-free** bound: the r-th lowest run, with r the largest rank that lies below 99% of the population
  with 95% confidence (a binomial count, Wilks' method), and the lower of the two is kept. Why: the MNIST MLP's
  scores have a heavy low tail (over 100 seeds: 0.910 ± 0.0035, yet 3 runs below the normal bound of 0.901), so
  for a model cheap enough to train 300 times the normal assumption is not needed.
- the **sd** is at least that of rounding to the score's step (``step/√12``: one window of 50 for the song's train
  accuracy, one note for the full song, one sample for a test accuracy). Why: when every calibration run is perfect
  (the stateful song: 50/50 each time) the sample sd is 0 and the bar would be perfection; a correct model one note
  off is still correct.
- **floor** (no credit): the best score any broken variant reached (its max; for MAE its min).
- credit grows linearly from the floor to the bar; an assignment is **separated** when floor < bar (MAE: >).
  One that is not is said so, in ``grader calibrate``'s table and in the feedback: its check cannot tell a
  correct model from a broken one under that profile.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from harness.results import Check

#: Share of correct runs that must score at or above the bar, and the confidence of that statement.
COVERAGE = 0.99
CONFIDENCE = 0.95
#: Fewer correct runs than this give no bar (the tolerance factor needs a spread to estimate).
MIN_RUNS = 3
#: The most runs one calibration trains per variant (a bound on the command's work, not a statistical limit).
MAX_RUNS = 1000
#: Share of the assignment's points for each training check (song: train accuracy and the full song).
WEIGHT = 1.0


def credit_percent(credit: float) -> str:
    """Partial credit as a whole percentage, rounded down: a failed check never reads "100%"."""
    return f"{math.floor(100 * credit + 1e-9)}%"


def tolerance_k(n: int, coverage: float = COVERAGE, confidence: float = CONFIDENCE) -> float:
    """The one-sided normal tolerance factor ``k`` for ``n`` runs: ``mean - k·sd`` is below ``coverage`` of the
    population with probability ``confidence``."""
    if n < 2:
        raise ValueError(f"a tolerance bound needs at least 2 runs, got {n}")
    normal = statistics.NormalDist()
    zp, zg = normal.inv_cdf(coverage), normal.inv_cdf(confidence)
    a = 1 - zg * zg / (2 * (n - 1))
    b = zp * zp - zg * zg / n
    if a <= 0:
        raise ValueError(f"{n} runs are too few for a {confidence:.0%} tolerance bound")
    return (zp + math.sqrt(zp * zp - a * b)) / a


def distribution_free_rank(n: int, coverage: float = COVERAGE, confidence: float = CONFIDENCE) -> int:
    """The largest rank r such that the r-th lowest of ``n`` runs lies below ``coverage`` of the population with
    probability ``confidence``, whatever the distribution (0: ``n`` runs are too few for any rank).

    The r-th lowest run is below the population's ``1 - coverage`` quantile exactly when at least r runs fall
    there, a binomial count with p = ``1 - coverage``."""
    p = 1 - coverage
    rank, below = 0, 0.0  # below: P(fewer than rank + 1 runs fall under the quantile)
    while True:
        below += math.comb(n, rank) * p ** rank * (1 - p) ** (n - rank)
        if 1 - below < confidence:
            return rank
        rank += 1


def distribution_free_runs(coverage: float = COVERAGE, confidence: float = CONFIDENCE) -> int:
    """The fewest runs whose lowest is a distribution-free bound (299 at 99% coverage, 95% confidence)."""
    return math.ceil(math.log(1 - confidence) / math.log(coverage))


def distribution(scores: Sequence[float]) -> dict[str, Any]:
    """Every score, and the figures people read (mean, sample sd, min, max)."""
    values = [round(float(s), 6) for s in scores]
    return {"n": len(values), "scores": values, "mean": round(statistics.fmean(values), 6) if values else None,
            "sd": round(statistics.stdev(values), 6) if len(values) > 1 else 0.0,
            "min": min(values, default=None), "max": max(values, default=None)}


def derive(correct: Sequence[float], broken: Mapping[str, Sequence[float]], lower_is_better: bool,
           step: float = 0.0) -> dict[str, Any]:
    """The rule for one check: ``bar``, ``floor`` (``None`` without broken runs), ``separated``, and the
    distributions it came from. ``bar`` is ``None`` with fewer than :data:`MIN_RUNS` correct runs. ``step``: the
    smallest difference the score can show (0 for a continuous one), which bounds the sd from below."""
    dist = distribution(correct)
    out: dict[str, Any] = {"correct": dist, "broken": {name: distribution(s) for name, s in broken.items()},
                           "bar": None, "floor": None, "separated": False, "k": None, "step": step}
    if dist["n"] >= MIN_RUNS:
        k = tolerance_k(dist["n"])
        sd = max(dist["sd"], step / math.sqrt(12))
        out["k"] = round(k, 4)
        bar = dist["mean"] + k * sd if lower_is_better else dist["mean"] - k * sd
        rank = distribution_free_rank(dist["n"])
        if rank:
            ordered = sorted(dist["scores"], reverse=lower_is_better)
            out["rank"] = rank
            bar = max(bar, ordered[rank - 1]) if lower_is_better else min(bar, ordered[rank - 1])
        out["bar"] = round(bar, 6)
    worst = [s for stored in out["broken"].values() for s in stored["scores"]]  # as stored: rederive gives the same
    if worst:
        out["floor"] = min(worst) if lower_is_better else max(worst)
    if out["bar"] is not None and out["floor"] is not None:
        out["separated"] = out["floor"] > out["bar"] if lower_is_better else out["floor"] < out["bar"]
    return out


def usable(rule: Any) -> bool:
    """A stored check rule that can judge (a calibration file is data: anything may be in it)."""
    return isinstance(rule, dict) and isinstance(rule.get("bar"), (int, float)) \
        and isinstance(rule.get("correct"), dict) and isinstance(rule["correct"].get("n"), int)


def judge(name: str, what: str, score: float, rule: Mapping[str, Any], lower_is_better: bool, fmt: str = "{:.4f}",
          detail: str = "") -> Check:
    """Judge ``score`` by a calibrated rule (:func:`derive`'s output), with the message that defends the verdict.

    e.g. ``test accuracy 0.8100: passes (at least 0.7800 — a correct model reaches this 99% of the time over 10
    calibration seeds)``; a failure says how far, and what the known-broken variants score at most.
    """
    bar, floor, n = float(rule["bar"]), rule.get("floor"), rule["correct"]["n"]
    shown = fmt.format
    word = "at most" if lower_is_better else "at least"
    passed = score <= bar + 1e-9 if lower_is_better else score >= bar - 1e-9
    why = f"a correct model reaches this {COVERAGE:.0%} of the time over {n} calibration seeds"
    separated = bool(rule.get("separated"))
    if passed:
        credit = 1.0
        message = f"{what} {shown(score)}: passes ({word} {shown(bar)} — {why})"
    else:
        gap = score - bar if lower_is_better else bar - score
        message = f"{what} {shown(score)}: {shown(gap)} {'too high' if lower_is_better else 'short'} — {word} " \
                  f"{shown(bar)} needed ({why})"
        credit = 0.0
        if floor is not None:
            floor = float(floor)
            message += f"; the known-broken variants score {'at least' if lower_is_better else 'at most'} " \
                       f"{shown(floor)}"
            if separated:
                credit = max(0.0, min(1.0, (score - floor) / (bar - floor)))
                message += f": partial credit {credit_percent(credit)}" if credit > 0 else ": no credit"
    if not separated:
        message += ("; under this profile the known-broken variants score as well as a correct model, so this "
                    "check cannot tell them apart" if floor is not None else
                    "; no known-broken variant was calibrated, so nothing shows this check separates right from wrong")
    if detail:
        message += f"; {detail}"
    return Check(name, passed, message, weight=WEIGHT, credit=credit)
