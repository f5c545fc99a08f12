"""Training curves as PNG bytes, drawn like the course notes: dots for training, a line for validation.

Why PNG bytes and not files: the HTML report embeds them as data URIs (one self-contained file), the
Markdown report writes them beside itself; the caller decides. Matplotlib draws headless (a bare
``Figure`` renders through Agg: no pyplot, no display) and is imported only when a plot is drawn, so
commands that never plot don't pay for it.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from typing import Any

#: (panel title, training key, validation key) — Keras 3 logs ``accuracy``; Keras 2-era seeds logged ``acc``.
PANELS = (("Loss", "loss", "val_loss"), ("Accuracy", "accuracy", "val_accuracy"))
ALIASES = {"accuracy": "acc", "val_accuracy": "val_acc"}


def _series(history: Mapping[str, Any], key: str) -> list[float] | None:
    values = history.get(key, history.get(ALIASES.get(key, ""), None))
    if not isinstance(values, Sequence) or isinstance(values, str) or not values:
        return None
    out = []
    for v in values:
        try:
            out.append(float(v))
        except (TypeError, ValueError):
            out.append(math.nan)
    return out


def has_history(history: Any) -> bool:
    """Whether ``metrics["history"]`` holds at least one curve worth drawing."""
    return isinstance(history, Mapping) and any(
        _series(history, k) for _, train, val in PANELS for k in (train, val))


def history_pngs(history: Mapping[str, Any], title: str = "", dpi: int = 150) -> dict[str, bytes]:
    """``{"loss": PNG, "accuracy": PNG}`` (each only if its curves exist): one figure per panel, like the notes,
    and small enough in inches that the labels stay readable when a phone shrinks the image to its width."""
    # A bare Figure renders through Agg without touching pyplot's global backend or any display.
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    pngs: dict[str, bytes] = {}
    for name, train_key, val_key in PANELS:
        train, val = _series(history, train_key), _series(history, val_key)
        if not (train or val):
            continue
        fig = Figure(figsize=(4.8, 3.4), dpi=dpi, layout="constrained")
        ax = fig.subplots()
        if train:
            ax.plot(range(1, len(train) + 1), train, "bo", markersize=4, label=f"Training {name.lower()}")
        if val:
            ax.plot(range(1, len(val) + 1), val, "b", label=f"Validation {name.lower()}")
        ax.set_title(f"{title}: training and validation {name.lower()}" if title else
                     f"Training and validation {name.lower()}", fontsize=10)
        ax.set_xlabel("Epoch")
        ax.set_ylabel(name)
        locator = ax.xaxis.get_major_locator()
        assert isinstance(locator, MaxNLocator)  # a linear axis' AutoLocator
        locator.set_params(integer=True)
        ax.grid(alpha=0.3)
        ax.legend()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        pngs[name.lower()] = buf.getvalue()
    if not pngs:
        raise ValueError("history has no loss/accuracy curves to plot")
    return pngs
