"""Shared pieces of the model references: the GRU ``reset_after`` variant, the known-broken variants (typical
mistakes ``grader calibrate`` trains to place each training bar's floor) and the training recipes' data keys.

Not an assignment (the registry skips modules whose name starts with ``_``).

``Recipe.data`` keys used across the catalog (the dataset loaders read them):

- ``num_words`` / ``maxlen``: ``load_data(num_words=...)`` then ``pad_sequences(maxlen=...)`` (IMDB, Reuters);
  ``test_split`` (Reuters, 0.2 in the seeds); ``reverse``: reverse every review before padding (DLwP 6.3.8).
- ``source``: ``"raw_text"`` for the DLwP 6.1.3 pipeline (aclImdb texts + ``Tokenizer``), default the index sequences;
  ``validation_limit``: validate on the next N samples after the training ones (that pipeline's 10,000).
- ``validation``: ``"test"`` when the seed passes ``validation_data=(x_test, y_test)`` instead of a split.
- ``train_limit`` / ``test_limit``: keep the first N samples (quick profiles).
- ``flatten`` (MNIST MLP: 784 features) or ``channels`` (MNIST CNN: (28, 28, 1)); ``early_stopping_patience``.
- ``window_size`` (the song, 4); ``features``: ``"index"`` (code2idx / 13, one feature) or ``"scale_length"``
  (code2features, two); ``evaluate_on``: ``"train"`` (the song seeds score the training windows); ``stateful``: fit one epoch at a time with ``shuffle=False`` and
  ``reset_states()`` after each, the seeds' loop for the stateful song models.
- Jena: ``lookback``, ``step``, ``delay``, ``steps_per_epoch``, ``validation_steps`` and the generator index ranges
  ``train_range`` / ``val_range`` (DLwP 6.3.2: 0..200000 shuffled for training, 200001..300000 for validation).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.catalog import Broken, Recipe, Variant
from harness.catalog.lazy import keras

#: Keras 2 counted a GRU with one bias per gate (``reset_after=False``); the seeds print those figures.
GRU_KERAS2 = "reset_after=False"

IMDB_10K_500 = {"num_words": 10000, "maxlen": 500}
REUTERS_1K_100 = {"num_words": 1000, "maxlen": 100, "test_split": 0.2, "validation": "test"}
#: DLwP 6.3.2: lookback 1440 (10 days), step 6 (hourly), delay 144 (24 h), 500 steps per epoch,
#: val_steps = (300000 - 200001 - 1440) // 128 = 769.
JENA_FULL = {"lookback": 1440, "step": 6, "delay": 144, "steps_per_epoch": 500, "validation_steps": 769,
             "train_range": (0, 200000), "val_range": (200001, 300000)}
JENA_QUICK = {**JENA_FULL, "steps_per_epoch": 20, "validation_steps": 10}


def gru_variant(build: Callable[[], object], seed_gru: int, keras3_gru: int, total: int, units: int) -> Variant:
    """The ``reset_after=True`` build of a seed GRU model, with the sentence that explains the extra parameters."""
    note = (f"Keras 3 builds GRU with reset_after=True by default, which gives each gate a second, recurrent bias "
            f"({3 * units} more weights): {keras3_gru:,} GRU parameters instead of {seed_gru:,}, the count of Keras 2's "
            f"reset_after=False (one bias per gate) that the seeds' summaries print. Both are the same model.")
    return Variant(build=build, note=note, total_params=total)


def jena_recipes(epochs: int) -> tuple[Recipe, Recipe]:
    """(full, quick) for a Jena model: RMSprop, MAE loss, the DLwP generator settings."""
    full = Recipe(optimizer="rmsprop", loss="mae", metrics=("mae",), epochs=epochs, batch_size=128,
                  data=dict(JENA_FULL), time_budget_s=7200.0)
    quick = Recipe(optimizer="rmsprop", loss="mae", metrics=("mae",), epochs=2, batch_size=128,
                   data=dict(JENA_QUICK), time_budget_s=60.0)
    return full, quick


# -- known-broken variants: the reference's own config with one typical mistake, rebuilt as a plain Sequential ----

def _edited(build: Callable[[], Any], edit: Callable[[list[dict[str, Any]]], None]) -> Callable[[], Any]:
    """A builder of the reference with ``edit`` applied to its layer configs (the last one is the output)."""
    def broken() -> Any:
        config = build().get_config()
        edit(config["layers"])
        for layer in config["layers"]:  # the shapes recorded at build time no longer hold
            layer.pop("build_config", None)
        return keras.Sequential.from_config(config)
    return broken


def _settings(layer: dict[str, Any]) -> list[dict[str, Any]]:
    """The configs that hold a layer's settings: its own, or a Bidirectional's wrapped layers."""
    config = layer["config"]
    wrapped = [config[k]["config"] for k in ("layer", "backward_layer") if isinstance(config.get(k), dict)]
    return wrapped or [config]


def _shrink_hidden(configs: list[dict[str, Any]]) -> None:
    for layer in configs[:-1]:
        for inner in _settings(layer):
            for key in ("units", "filters"):
                if key in inner:
                    inner[key] = 1


def _output_activation(activation: str) -> Callable[[list[dict[str, Any]]], None]:
    def edit(configs: list[dict[str, Any]]) -> None:
        configs[-1]["config"]["activation"] = activation
    return edit


def _stateless(configs: list[dict[str, Any]]) -> None:
    for layer in configs:
        for inner in _settings(layer):
            if "stateful" in inner:
                inner["stateful"] = False


def softmax_on_one_unit(build: Callable[[], Any]) -> Broken:
    """Binary classifiers: ``Dense(1, activation="softmax")`` instead of sigmoid (a softmax over one unit is 1)."""
    return Broken("softmax_output", "softmax on the single output unit instead of sigmoid: it always outputs 1, so "
                  "every review is called positive", _edited(build, _output_activation("softmax")))


def collapsed_hidden(build: Callable[[], Any]) -> Broken:
    """Every hidden layer with units or filters shrunk to one: a bottleneck no task here fits through."""
    return Broken("one_unit_hidden", "every hidden layer shrunk to one unit/filter: a one-number bottleneck before "
                  "the output", _edited(build, _shrink_hidden))


def relu_on_regression(build: Callable[[], Any]) -> Broken:
    """Jena: a relu on the regression output cannot forecast the (normalised, often negative) temperatures."""
    return Broken("relu_output", "relu on the regression output: it cannot predict a temperature below the mean",
                  _edited(build, _output_activation("relu")))


def not_stateful(build: Callable[[], Any]) -> Broken:
    """The stateful song models without ``stateful=True``: the state is dropped after every window."""
    return Broken("not_stateful", "stateful=False: the LSTM forgets the song after every window, so it cannot tell "
                  "apart places where the same 4 notes lead to different notes (at most 46/50)",
                  _edited(build, _stateless))
