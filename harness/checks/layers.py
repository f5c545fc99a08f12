"""A model's layers as the checks see them: one :class:`LayerView` per layer a student would name.

``Dense`` followed by ``Activation`` is one layer, ``Dense(activation=...)``: the course writes it both ways
and they compute the same thing. Input layers are left out, as ``model.summary()`` leaves them out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Settings compared when both layers have them; anything else in ``get_config()`` is not graded.
SETTINGS = (
    "units", "filters", "kernel_size", "strides", "pool_size", "padding", "activation", "recurrent_activation",
    "return_sequences", "stateful", "go_backwards", "dropout", "recurrent_dropout", "rate", "input_dim", "output_dim",
    "merge_mode", "use_bias", "reset_after",
)


@dataclass
class LayerView:
    """What is graded of one layer, and the Keras layers it came from (one, or Dense + Activation)."""

    index: int
    cls: str
    output_shape: tuple[int | None, ...]
    params: int
    trainable: bool
    settings: dict[str, Any]
    layers: list[Any] = field(default_factory=list)

    def label(self) -> str:
        return f"layer {self.index} {self.cls}"

    def row(self) -> str:
        activation = self.settings.get("activation")
        extra = f", {activation}" if activation not in (None, "linear") else ""
        return f"{self.cls}{extra} {_shape(self.output_shape)} {self.params:,}"


def _shape(shape: tuple[int | None, ...]) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def _output_shape(layer: Any) -> tuple[int | None, ...]:
    try:
        return tuple(layer.output.shape)
    except (AttributeError, ValueError):
        return ()


def _activation_name(value: Any) -> Any:
    if isinstance(value, dict):  # serialized activation objects
        return value.get("config", {}).get("name", value.get("class_name"))
    return value


def _settings(layer: Any) -> dict[str, Any]:
    config = layer.get_config()
    found = {key: config[key] for key in SETTINGS if key in config}
    for key in ("activation", "recurrent_activation"):
        if key in found:
            found[key] = _activation_name(found[key])
    for key in ("kernel_size", "strides", "pool_size"):
        if isinstance(found.get(key), list):
            found[key] = tuple(found[key])
    if type(layer).__name__ == "Bidirectional":
        inner = layer.forward_layer
        found["layer"] = type(inner).__name__
        found.update({f"layer.{k}": v for k, v in _settings(inner).items()})
    return found


def views(model: Any) -> list[LayerView]:
    """The layers of ``model`` as graded, numbered from 1 in the order ``summary()`` prints them."""
    result: list[LayerView] = []
    for layer in model.layers:
        cls = type(layer).__name__
        if cls == "InputLayer":
            continue
        previous = result[-1] if result else None
        if (cls == "Activation" and previous is not None and previous.cls == "Dense"
                and previous.settings.get("activation") == "linear" and len(previous.layers) == 1):
            previous.settings["activation"] = _activation_name(layer.get_config().get("activation"))
            previous.output_shape = _output_shape(layer)
            previous.layers.append(layer)
            continue
        result.append(LayerView(index=len(result) + 1, cls=cls, output_shape=_output_shape(layer),
                                params=int(layer.count_params()), trainable=bool(layer.trainable),
                                settings=_settings(layer), layers=[layer]))
    return result
