"""An allow-list for a student's model config, checked before Keras builds anything from it.

A model leaves the sandbox as JSON written by student code (``model.json`` from ``model.to_json()``, or the
``config.json`` inside a ``.keras`` archive): the child can write *any* JSON there. Keras' ``safe_mode`` is a
deny-list (it refuses ``__lambda__`` bytecode, yet a ``Lambda`` whose function is a public Keras function such as
``keras.utils.get_file`` or a ``keras.datasets`` loader runs during the load). So the grader hands Keras only
configs that pass this gate, a pure walk over the parsed JSON:

- layers: Keras' own built-in layer classes that are pure configuration (derived from ``keras.layers`` when the
  allow-list is first built, minus the ones that carry code or read files: ``Lambda``, ``TFSMLayer``, the
  Jax/Flax/Torch wrappers, the vocabulary layers that accept a file path), with ``module == "keras.layers"`` and
  no ``registered_name``; wrappers (``Bidirectional``, ``TimeDistributed``, RNN cells) and nested models are
  walked too, up to :attr:`Bounds.max_nesting` levels;
- arguments: only names the layer class's ``__init__`` (or a base class's) accepts; values are JSON scalars and
  small lists/dicts of them, never an object (a dict naming a ``class_name`` or ``module``) except in the slots
  Keras deserializes: activations, initializers, regularizers, constraints and dtype policies, each by its
  registered built-in name or as ``{"module": "keras.<kind>", "class_name": <built-in>, "config": {scalars}}``;
- no serialized function (``"class_name": "function"``, ``__lambda__``, ...) anywhere;
- sizes bounded by :class:`Bounds`, derived from the catalog (see there).

A refusal is one line naming the layer and why (:class:`ConfigRefused`); the config never reaches Keras. Only the
standard library is imported here; building the allow-list imports Keras, lazily, in the process that uses it.
"""

from __future__ import annotations

import functools
import inspect
import json
import math
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Layer classes refused because they run code or read files named in their config.
CODE_LAYERS = frozenset({"Lambda", "TFSMLayer", "JaxLayer", "FlaxLayer", "TorchModuleWrapper"})
FILE_LAYERS = frozenset({"TextVectorization", "StringLookup", "IntegerLookup"})
#: Abstract bases and containers of arbitrary layer lists: nothing a course model needs.
ABSTRACT_LAYERS = frozenset({"Layer", "Wrapper", "Pipeline"})
#: ``__init__`` arguments that mean "code or a file": a class taking one is refused even if not named above.
_CODE_ARGUMENTS = frozenset({"function", "call_fn", "init_fn", "module", "filepath", "call_endpoint"})
#: Arguments holding a nested layer (or a list of them) that Keras deserializes.
_LAYER_SLOTS = frozenset({"layer", "backward_layer", "cell"})
_LAYER_LIST_SLOTS = frozenset({"cells"})
#: What a model's envelope may be: (module, class_name) as Keras writes them for its own model classes.
_MODELS = {("keras", "Sequential"), ("keras.src.models.sequential", "Sequential"), ("keras.models", "Sequential"),
           ("keras.src.models.functional", "Functional"), ("keras", "Functional"), ("keras", "Model"),
           ("keras.models", "Model"), ("keras.src.models.model", "Model")}
_ENVELOPE_KEYS = frozenset({"module", "class_name", "config", "registered_name", "build_config", "compile_config",
                            "name", "inbound_nodes", "shared_object_id"})
_LAYER_KEYS = _ENVELOPE_KEYS - {"compile_config"}
_SERIALIZED_CODE = frozenset({"function", "__lambda__", "__builtins__", "__passthrough__", "__typespec__",
                              "__tensor__", "__numpy__", "__bytes__", "__slice__", "__ellipsis__"})
_DTYPE = re.compile(r"(mixed_)?(b?float(16|32|64)|u?int(8|16|32|64)|bool|string|complex(64|128))")
_NAME = re.compile(r"[A-Za-z0-9_.\-/ :>]{1,128}")
MAX_STRING = 256
MAX_LIST = 256
MAX_DICT = 64
MAX_INBOUND_NODES = 16
#: Seeds are arbitrary integers; any other integer is bounded by :attr:`Bounds.max_params`.
_FREE_INTEGERS = frozenset({"seed", "shared_object_id"})


class ConfigRefused(ValueError):
    """A config the grader will not hand to Keras; the message is one line naming the layer and why."""


# -- bounds ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Bounds:
    """Size limits of a gradable model, derived from the catalog by :meth:`from_catalog`.

    - ``max_params``: 20× the largest parameter count of any reference (or accepted variant): a student may be
      far off and still get feedback, but no config allocates gigabytes in the checker;
    - ``max_layers``: 10× the deepest reference's layer count, nested layers included (3,000 layers took 101 s
      to build before this gate existed);
    - ``max_width``: 20× the largest dimension in any reference layer's output (``units``, ``filters``,
      ``output_dim``, ...), the bound each width argument gets on its own;
    - ``max_bytes``: 8 KiB of JSON per allowed layer (a reference layer's config is 1–2 KiB), checked before
      ``json.loads``;
    - ``max_nesting``: models and wrappers inside one another (the catalog needs 2: Bidirectional(LSTM) in a
      Sequential); twice that is allowed.
    """

    max_params: int
    max_layers: int
    max_width: int
    max_bytes: int
    max_nesting: int = 4

    @classmethod
    def from_catalog(cls, assignments: Iterable[Any]) -> Bounds:
        models = [a for a in assignments if getattr(a, "kind", "") == "model"]
        if not models:
            raise ValueError("the catalog has no model assignment to derive model-config bounds from")
        params = [t for a in models for t in (a.total_params, *(v.total_params for v in a.variants),
                                              sum(f.params for f in a.figures)) if t]
        depth = max(len(a.figures) for a in models) + 1  # + the InputLayer the figures do not list
        widths = [d for a in models for f in a.figures for d in f.output_shape if isinstance(d, int)]
        max_layers = 10 * depth
        return cls(max_params=20 * max(params), max_layers=max_layers, max_width=20 * max(widths),
                   max_bytes=max_layers * 8 * 1024)


@functools.cache
def catalog_bounds() -> Bounds:
    """:class:`Bounds` of this course's catalog (imports it, and Keras, on first use)."""
    from harness.catalog import load_catalog

    return Bounds.from_catalog(load_catalog().values())


# -- the allow-list (derived from Keras) -------------------------------------------------------------------------

@dataclass(frozen=True)
class AllowList:
    """Layer classes with the argument names each accepts, and the built-in names of the objects layers use."""

    layers: dict[str, frozenset[str]]
    #: kind ("activations", "initializers", ...) → registered string names accepted
    names: dict[str, frozenset[str]]
    #: kind → built-in class names accepted in ``{"module": "keras.<kind>", "class_name": ...}``
    classes: dict[str, frozenset[str]]

    def accepts(self, layer: str, argument: str) -> bool:
        """Whether ``argument`` is one of the layer class's: in an ``__init__`` signature, or (for the few that
        Keras takes through ``**kwargs``, e.g. LayerNormalization's ``rms_scaling``) in a default instance's
        ``get_config()``."""
        return argument in self.layers[layer] or argument in _default_config_keys(layer)


@functools.cache
def _default_config_keys(layer: str) -> frozenset[str]:
    """The ``get_config()`` keys of a default instance of a built-in layer (none when it needs arguments)."""
    import keras

    try:
        return frozenset(getattr(keras.layers, layer)().get_config())
    except Exception:  # noqa: BLE001 - a class without defaults for every argument: its signature is the list
        return frozenset()


def _init_arguments(cls: type, base: type) -> frozenset[str]:
    names: set[str] = set()
    for klass in cls.__mro__:
        if isinstance(klass, type) and issubclass(klass, base) and "__init__" in klass.__dict__:
            for name, parameter in inspect.signature(klass.__init__).parameters.items():
                if name != "self" and parameter.kind not in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL):
                    names.add(name)
    return frozenset(names | {"input_dim", "input_shape"})  # Layer.__init__ takes these two from **kwargs


@functools.cache
def keras_allow_list() -> AllowList:
    """Built once per process from the installed Keras: every public layer class that is pure configuration."""
    import keras
    from keras.src import activations, constraints, initializers, losses, metrics, optimizers, regularizers

    layers: dict[str, frozenset[str]] = {}
    for name in dir(keras.layers):
        cls = getattr(keras.layers, name)
        if not (isinstance(cls, type) and issubclass(cls, keras.layers.Layer)):
            continue
        if name in CODE_LAYERS | FILE_LAYERS | ABSTRACT_LAYERS or not cls.__module__.startswith("keras."):
            continue
        arguments = _init_arguments(cls, keras.layers.Layer)
        if arguments & _CODE_ARGUMENTS:
            continue
        layers[name] = arguments

    def public(registry: dict[str, Any], base: type) -> frozenset[str]:
        return frozenset(v.__name__ for v in registry.values()
                         if isinstance(v, type) and issubclass(v, base) and v is not base)

    names = {"activations": frozenset(activations.ALL_OBJECTS_DICT),
             "initializers": frozenset(initializers.ALL_OBJECTS_DICT) - {"Initializer", "initializer"},
             "regularizers": frozenset(regularizers.ALL_OBJECTS_DICT) - {"Regularizer", "regularizer"},
             "constraints": frozenset(constraints.ALL_OBJECTS_DICT) - {"Constraint", "constraint"},
             "optimizers": frozenset(k.lower() for k in optimizers.ALL_OBJECTS_DICT),
             "losses": frozenset(losses.ALL_OBJECTS_DICT),
             "metrics": frozenset(metrics.ALL_OBJECTS_DICT) | {"accuracy", "acc", "crossentropy", "ce"}}
    classes = {"initializers": public(initializers.ALL_OBJECTS_DICT, initializers.Initializer),
               "regularizers": public(regularizers.ALL_OBJECTS_DICT, regularizers.Regularizer),
               "constraints": public(constraints.ALL_OBJECTS_DICT, constraints.Constraint),
               "optimizers": public(optimizers.ALL_OBJECTS_DICT, optimizers.Optimizer),
               "optimizers.schedules": public(vars(keras.optimizers.schedules),
                                              keras.optimizers.schedules.LearningRateSchedule),
               "losses": public(losses.ALL_OBJECTS_DICT, losses.Loss),
               "metrics": public(metrics.ALL_OBJECTS_DICT, metrics.Metric) - {"MeanMetricWrapper"}}
    return AllowList(layers, names, classes)


# -- reading -------------------------------------------------------------------------------------------------------

def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number the grader accepts")


def parse(text: bytes | str, where: str, bounds: Bounds) -> Any:
    """JSON from ``text``, refused before parsing when larger than ``bounds.max_bytes``."""
    if len(text) > bounds.max_bytes:
        raise ConfigRefused(f"{where} is {len(text):,} bytes, more than the {bounds.max_bytes:,} a gradable model "
                            "config needs: build the model from fewer layers")
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise ConfigRefused(f"{where} is nested too deeply to be a model config") from None
    except ValueError as exc:
        raise ConfigRefused(f"{where} is not valid JSON ({str(exc)[:120]})") from None


def read_keras_config(path: Path, bounds: Bounds, max_bytes: int) -> dict[str, Any]:
    """The ``config.json`` of a ``.keras`` archive, read with size caps (the archive is the student's)."""
    allowed = {"config.json", "metadata.json", "model.weights.h5"}
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            strange = [m.filename for m in members if m.filename not in allowed]
            if strange or len(members) > len(allowed):
                raise ConfigRefused(f"{path.name} holds {', '.join(repr(s[:60]) for s in strange[:3]) or 'duplicates'}"
                                    f": a saved model holds only {', '.join(sorted(allowed))}")
            if sum(m.file_size for m in members) > max_bytes:
                raise ConfigRefused(f"{path.name} unpacks to more than {max_bytes // 2**20} MiB")
            with archive.open("config.json") as handle:
                text = handle.read(bounds.max_bytes + 1)
    except KeyError:
        raise ConfigRefused(f"{path.name} has no config.json: it is not a saved Keras model") from None
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
        raise ConfigRefused(f"{path.name} is not a readable .keras archive ({str(exc)[:120]})") from None
    return gate(parse(text, f"{path.name}'s config.json", bounds), bounds)


def read_json_config(path: Path, bounds: Bounds) -> dict[str, Any]:
    """A ``model.json`` (what ``model.to_json()`` wrote in the sandbox), read with a size cap and gated."""
    with path.open("rb") as handle:
        text = handle.read(bounds.max_bytes + 1)
    return gate(parse(text, path.name, bounds), bounds)


# -- the walk ------------------------------------------------------------------------------------------------------

class _Walk:
    """One pass over a model config: refuses the first thing outside the allow-list; counts layers and
    parameters (a lower bound: widths Keras would infer but the config does not state count as 1)."""

    def __init__(self, allow: AllowList, bounds: Bounds) -> None:
        self.allow = allow
        self.bounds = bounds
        self.layers = 0
        self.params = 0

    # model envelopes ------------------------------------------------------------------------------------------
    def model(self, node: Any, where: str, depth: int, shape: list[int | None] | None) -> list[int | None]:
        config = self._envelope(node, where)
        inner = config.get("config")
        if not isinstance(inner, dict):
            raise ConfigRefused(f"{where} has no config")
        allowed = {"name", "trainable", "dtype", "layers", "build_input_shape", "input_layers", "output_layers"}
        self._keys(inner, allowed, where)
        self._slot_dtype(inner.get("dtype"), where)
        self._scalars({k: v for k, v in inner.items() if k in ("name", "trainable", "build_input_shape",
                                                               "input_layers", "output_layers")}, where)
        layers = inner.get("layers")
        # a model without an InputLayer is built from the shape it declares, as a layer is from its build_config
        shape = _declared(config.get("build_config") or {"input_shape": inner.get("build_input_shape")}, shape)
        if not isinstance(layers, list) or not layers:
            raise ConfigRefused(f"{where} lists no layers")
        if depth > self.bounds.max_nesting:
            raise ConfigRefused(f"{where} nests models and wrappers more than {self.bounds.max_nesting} deep")
        functional = config["class_name"] in ("Functional", "Model")
        shapes: dict[str, list[int | None]] = {}
        out: list[int | None] = [None]
        for index, layer in enumerate(layers):
            label = self._label(layer, index, where if depth else "")
            if functional:
                shape = self._functional_input(layer, shapes, label)
            shape = out = self.layer(layer, label, depth + 1, shape)
            if isinstance(layer, dict) and isinstance(layer.get("name"), str):
                shapes[layer["name"]] = out
        if "compile_config" in config:
            self.compile_config(config["compile_config"])
        return out

    def _envelope(self, node: Any, where: str) -> dict[str, Any]:
        if not isinstance(node, dict):
            raise ConfigRefused(f"{where} is a {type(node).__name__}, not a Keras object")
        self._keys(node, _ENVELOPE_KEYS, where)
        pair = (node.get("module"), node.get("class_name"))
        if pair not in _MODELS:
            raise ConfigRefused(f"{where} is {_describe(node)}: only Keras' own Sequential and functional models "
                                "are graded")
        if node.get("registered_name") not in (None, node["class_name"]):
            raise ConfigRefused(f"{where} names the registered class {str(node['registered_name'])[:80]!r}: "
                                "custom classes are not graded")
        self._scalars({k: node.get(k) for k in ("build_config", "name")}, where)
        return node

    # layers -----------------------------------------------------------------------------------------------------
    def layer(self, node: Any, where: str, depth: int, shape: list[int | None] | None) -> list[int | None]:
        self.layers += 1
        if self.layers > self.bounds.max_layers:
            raise ConfigRefused(f"the model has more than {self.bounds.max_layers} layers, the grader's bound "
                                "(10× the deepest reference model): build the model from fewer layers")
        if not isinstance(node, dict):
            raise ConfigRefused(f"{where} is a {type(node).__name__}, not a layer")
        cls = node.get("class_name")
        if (node.get("module"), cls) in _MODELS:
            return self.model(node, where, depth, shape)
        if cls in CODE_LAYERS:
            raise ConfigRefused(f"{where} is a {cls}: layers that carry code are not graded (replace it with "
                                "built-in layers)")
        if cls in FILE_LAYERS:
            raise ConfigRefused(f"{where} is a {cls}: layers that read files are not graded (preprocess the data "
                                "outside the model)")
        if node.get("module") != "keras.layers" or cls not in self.allow.layers:
            raise ConfigRefused(f"{where} is {_describe(node)}: only Keras' built-in layers are graded (custom "
                                "classes and modules are refused)")
        if node.get("registered_name") is not None:
            raise ConfigRefused(f"{where} ({cls}) names the registered class "
                                f"{str(node['registered_name'])[:80]!r}: custom classes are not graded")
        self._keys(node, _LAYER_KEYS, where)
        if depth > self.bounds.max_nesting:
            raise ConfigRefused(f"{where} nests models and wrappers more than {self.bounds.max_nesting} deep")
        self._scalars({k: node.get(k) for k in ("build_config", "name")}, where)
        self._inbound_nodes(node.get("inbound_nodes", []), where)
        config = node.get("config")
        if not isinstance(config, dict):
            raise ConfigRefused(f"{where} ({cls}) has no config")
        label = f"{where} ({cls})"
        unknown = sorted(key for key in config if not self.allow.accepts(cls, key))
        if unknown:
            raise ConfigRefused(f"{label}: {unknown[0][:60]!r} is not an argument of {cls}")
        inner: dict[str, list[int | None]] = {}
        for key, value in config.items():
            if key in _LAYER_SLOTS:
                if value is not None:
                    inner[key] = self.layer(value, f"{label} › {key}", depth + 1, shape)
            elif key in _LAYER_LIST_SLOTS:
                if not isinstance(value, list) or len(value) > self.bounds.max_layers:
                    raise ConfigRefused(f"{label}: {key!r} is not a list of layers")
                for index, cell in enumerate(value):
                    inner[key] = self.layer(cell, f"{label} › {key}[{index}]", depth + 1, shape)
            elif key == "activation" or key.endswith("_activation"):
                self._named(value, "activations", f"{label}: {key!r}", classes=False)
            elif key == "initializer" or key.endswith("_initializer"):
                self._named(value, "initializers", f"{label}: {key!r}")
            elif key.endswith("_regularizer"):
                self._named(value, "regularizers", f"{label}: {key!r}")
            elif key.endswith("_constraint"):
                self._named(value, "constraints", f"{label}: {key!r}")
            elif key == "dtype":
                self._slot_dtype(value, label)
            elif key == "quantization_config":
                if value is not None:
                    raise ConfigRefused(f"{label}: quantized layers are not graded")
            else:
                self._value(value, f"{label}: {key!r}", key)
        return self._estimate(cls, config, _declared(node.get("build_config"), shape), inner, label)

    def _functional_input(self, node: Any, shapes: dict[str, list[int | None]], where: str) -> list[int | None] | None:
        """The shape this graph layer receives, from the layers walked before (never from shapes it declares)."""
        nodes = node.get("inbound_nodes") if isinstance(node, dict) else None
        if not nodes or not isinstance(nodes, list) or not isinstance(nodes[0], dict):
            return None
        for tensor in _tensors(nodes[0].get("args")):
            history = tensor.get("config", {}).get("keras_history")
            if isinstance(history, list) and history and isinstance(history[0], str):
                return shapes.get(history[0])
        return None

    def _inbound_nodes(self, nodes: Any, where: str) -> None:
        if not isinstance(nodes, list) or len(nodes) > MAX_INBOUND_NODES:
            raise ConfigRefused(f"{where}: 'inbound_nodes' is not a short list of calls")
        for call in nodes:
            if not isinstance(call, dict) or set(call) - {"args", "kwargs"}:
                raise ConfigRefused(f"{where}: an inbound node is not a call of the layer")
            args, kwargs = call.get("args", []), call.get("kwargs", {})
            if not isinstance(args, list) or not isinstance(kwargs, dict):
                raise ConfigRefused(f"{where}: an inbound node is not a call of the layer")
            self._call_value(args, where, 0)
            self._call_value(kwargs, where, 0)

    def _call_value(self, value: Any, where: str, depth: int) -> None:
        if depth > 4:
            raise ConfigRefused(f"{where}: an inbound node is nested too deeply")
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            self._keys(value, {"class_name", "config"}, where)
            config = value.get("config")
            if not isinstance(config, dict):
                raise ConfigRefused(f"{where}: a tensor in an inbound node has no config")
            self._keys(config, {"shape", "dtype", "keras_history"}, where)
            self._scalars(config, where)
            return
        if isinstance(value, dict):
            if len(value) > MAX_DICT or _is_object(value):
                raise ConfigRefused(f"{where}: an inbound node passes {_describe(value)}, not a tensor")
            for item in value.values():
                self._call_value(item, where, depth + 1)
        elif isinstance(value, list):
            if len(value) > MAX_LIST:
                raise ConfigRefused(f"{where}: an inbound node passes too many values")
            for item in value:
                self._call_value(item, where, depth + 1)
        else:
            self._value(value, f"{where}: an inbound node", "")

    # objects in slots ------------------------------------------------------------------------------------------
    def _named(self, value: Any, kind: str, where: str, classes: bool = True, depth: int = 0) -> None:
        """A built-in by its registered name, or a built-in class with a config of plain values."""
        if value is None:
            return
        if isinstance(value, str):
            if value not in self.allow.names.get(kind, ()):
                raise ConfigRefused(f"{where} is {value[:60]!r}, not one of Keras' built-in {kind}")
            return
        if isinstance(value, dict) and classes:
            self._keys(value, {"module", "class_name", "config", "registered_name", "shared_object_id"}, where)
            cls = value.get("class_name")
            if value.get("module") != f"keras.{kind}" or cls not in self.allow.classes.get(kind, ()) \
                    or value.get("registered_name") not in (None, cls):
                raise ConfigRefused(f"{where} is {_describe(value)}, not one of Keras' built-in {kind}")
            config = value.get("config", {})
            if not isinstance(config, dict):
                raise ConfigRefused(f"{where} ({cls}) has no config")
            for key, item in config.items():
                if kind == "optimizers" and key == "learning_rate" and isinstance(item, dict) and depth == 0:
                    self._named(item, "optimizers.schedules", f"{where} › learning_rate", depth=1)
                else:
                    self._value(item, f"{where} ({cls}) {str(key)[:40]!r}", str(key))
            return
        raise ConfigRefused(f"{where} is {_describe(value)}: only the names of Keras' built-in {kind} are accepted")

    def _slot_dtype(self, value: Any, where: str) -> None:
        if value is None or (isinstance(value, str) and _DTYPE.fullmatch(value)):
            return
        if isinstance(value, dict) and value.get("module") == "keras" and value.get("class_name") == "DTypePolicy" \
                and value.get("registered_name") is None:
            self._keys(value, {"module", "class_name", "config", "registered_name", "shared_object_id"}, where)
            config = value.get("config")
            if isinstance(config, dict) and set(config) == {"name"} and isinstance(config["name"], str) \
                    and _DTYPE.fullmatch(config["name"]):
                return
        raise ConfigRefused(f"{where}: 'dtype' is {_describe(value)}, not a built-in dtype policy")

    def compile_config(self, config: Any) -> None:
        """The training settings a ``.keras`` archive carries: built-in optimizer, losses and metrics only."""
        if config is None:
            return
        where = "the model's compile config"
        if not isinstance(config, dict):
            raise ConfigRefused(f"{where} is not a dict")
        self._keys(config, {"optimizer", "loss", "loss_weights", "metrics", "weighted_metrics", "run_eagerly",
                            "steps_per_execution", "jit_compile", "auto_scale_loss"}, where)
        self._named(config.get("optimizer"), "optimizers", f"{where}: 'optimizer'")
        for key, kind in (("loss", "losses"), ("metrics", "metrics"), ("weighted_metrics", "metrics")):
            for item in _leaves(config.get(key), where, key):
                self._named(item, kind, f"{where}: {key!r}")
        self._scalars({k: config.get(k) for k in ("loss_weights", "run_eagerly", "steps_per_execution",
                                                  "jit_compile", "auto_scale_loss")}, where)

    # plain values ----------------------------------------------------------------------------------------------
    def _value(self, value: Any, where: str, key: str, depth: int = 0) -> None:
        if depth > 3:
            raise ConfigRefused(f"{where} is nested too deeply")
        if value is None or isinstance(value, bool):
            return
        if isinstance(value, int):
            if key not in _FREE_INTEGERS and abs(value) > self.bounds.max_params:
                raise ConfigRefused(f"{where} is {value:,}, beyond any model the course grades "
                                    f"(bound {self.bounds.max_params:,})")
            return
        if isinstance(value, float):
            return
        if isinstance(value, str):
            if len(value) > MAX_STRING:
                raise ConfigRefused(f"{where} is a string of {len(value):,} characters")
            return
        if isinstance(value, list):
            if len(value) > MAX_LIST:
                raise ConfigRefused(f"{where} is a list of {len(value):,} values")
            for item in value:
                self._value(item, where, key, depth + 1)
            return
        if isinstance(value, dict):
            if _is_object(value):
                raise ConfigRefused(f"{where} is {_describe(value)}: objects other than Keras' built-in "
                                    "activations, initializers, regularizers and constraints are not accepted")
            if len(value) > MAX_DICT:
                raise ConfigRefused(f"{where} is a dict of {len(value):,} entries")
            for item in value.values():
                self._value(item, where, key, depth + 1)
            return
        raise ConfigRefused(f"{where} is a {type(value).__name__}")

    def _scalars(self, values: dict[str, Any], where: str) -> None:
        for key, value in values.items():
            self._value(value, f"{where}: {key!r}", key)

    def _keys(self, node: dict[str, Any], allowed: Iterable[str], where: str) -> None:
        extra = set(node) - set(allowed)
        if extra:
            raise ConfigRefused(f"{where} carries {sorted(map(str, extra))[0][:60]!r}, which a Keras config of "
                                "this kind does not have")

    # parameters (a lower bound) ---------------------------------------------------------------------------------
    def _estimate(self, cls: str, config: dict[str, Any], shape: list[int | None] | None,
                  inner: dict[str, list[int | None]], where: str) -> list[int | None]:
        """Count the parameters this layer certainly has and return its output shape (``None`` = unknown)."""
        shape = list(shape) if shape else [None]
        width = shape[-1] if isinstance(shape[-1], int) and shape[-1] > 0 else 1
        size = {k: config.get(k) for k in ("units", "filters", "output_dim", "input_dim", "num_heads", "key_dim")}
        for key, value in size.items():
            if isinstance(value, int) and key != "input_dim" and value > self.bounds.max_width:
                raise ConfigRefused(f"{where}: {key} {value:,} is above the grader's bound of "
                                    f"{self.bounds.max_width:,} (20× the widest layer in the course's references)")
        units = size["units"] if isinstance(size["units"], int) else None
        filters = size["filters"] if isinstance(size["filters"], int) else None
        added, out = 0, shape
        if cls == "InputLayer":
            batch = config.get("batch_shape") or ([None, *config["shape"]] if isinstance(config.get("shape"), list)
                                                  else None)
            out = [d if isinstance(d, int) and d > 0 else None for d in (batch or [None, None])[1:]] or [None]
        elif cls == "Embedding" and isinstance(size["input_dim"], int) and isinstance(size["output_dim"], int):
            added, out = size["input_dim"] * size["output_dim"], [*shape, size["output_dim"]]
        elif cls == "Dense" and units:
            added, out = (width + 1) * units, [*shape[:-1], units]
        elif cls in ("SimpleRNN", "LSTM", "GRU") and units:
            gates = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}[cls]
            added = gates * (width + units + 1) * units
            out = [shape[0], units] if config.get("return_sequences") and len(shape) > 1 else [units]
        elif cls.startswith(("Conv", "SeparableConv", "DepthwiseConv")) and filters:
            kernel = config.get("kernel_size")
            kernel = [kernel] if isinstance(kernel, int) else kernel
            area = math.prod(k for k in kernel if isinstance(k, int) and k > 0) if isinstance(kernel, list) else 1
            groups = config.get("groups")
            groups = groups if isinstance(groups, int) and groups > 0 else 1
            added, out = area * width * filters // groups, [*[None] * (len(shape) - 1), filters]
        elif cls in ("Bidirectional", "TimeDistributed"):
            added = 0  # the wrapped layer was counted when walked; Bidirectional holds a second copy
            wrapped = inner.get("layer") or [None]
            if cls == "Bidirectional":
                added = 0 if config.get("backward_layer") else self._last_layer_params
                last = wrapped[-1]
                concat = config.get("merge_mode", "concat") == "concat"
                out = [*wrapped[:-1], last * 2] if concat and isinstance(last, int) else wrapped
            else:
                out = [shape[0], *wrapped] if len(shape) > 1 else wrapped
        elif cls == "Flatten":
            known = [d for d in shape if isinstance(d, int)]
            out = [math.prod(known)] if len(known) == len(shape) else [None]
        elif cls.startswith(("Dropout", "Activation", "BatchNormalization", "LayerNormalization", "SpatialDropout",
                             "GaussianNoise", "GaussianDropout", "AlphaDropout", "Masking", "ReLU", "LeakyReLU",
                             "ELU", "Softmax", "PReLU")):
            out = shape
        elif cls.startswith(("MaxPooling", "AveragePooling", "MaxPool", "AvgPool")):
            out = [*[None] * (len(shape) - 1), shape[-1]]
        elif cls.startswith(("GlobalMaxPool", "GlobalAveragePool", "GlobalAvgPool")):
            out = [shape[-1]]
        else:
            out = [None]
        self._last_layer_params = added
        self.params += added
        if self.params > self.bounds.max_params:
            raise ConfigRefused(f"{where}: the model has more than {self.bounds.max_params:,} parameters, the "
                                "grader's bound (20× the largest reference model)")
        return out

    _last_layer_params = 0

    @staticmethod
    def _label(node: Any, index: int, parent: str) -> str:
        name = node.get("config", {}).get("name") if isinstance(node, dict) and isinstance(node.get("config"),
                                                                                           dict) else None
        shown = f" {name[:60]!r}" if isinstance(name, str) else ""
        return f"{parent + ' › ' if parent else ''}layer {index}{shown}"


def _declared(build_config: Any, shape: list[int | None] | None) -> list[int | None] | None:
    """The input shape Keras builds a layer (or model) with: its ``build_config``'s when that is wider than the
    one the walk tracked (a hostile config may declare any), else the tracked one."""
    declared = build_config.get("input_shape") if isinstance(build_config, dict) else None
    if not (isinstance(declared, list) and len(declared) > 1
            and all(d is None or (isinstance(d, int) and not isinstance(d, bool)) for d in declared)):
        return shape
    dims = [d if isinstance(d, int) and d > 0 else None for d in declared[1:]]
    if not shape or not isinstance(shape[-1], int) or (isinstance(dims[-1], int) and dims[-1] > shape[-1]):
        return dims
    return shape


def _is_object(value: dict[str, Any]) -> bool:
    return bool({"class_name", "module", "registered_name"} & set(value))


def _describe(value: Any) -> str:
    """A short, printable description of what a hostile config put somewhere."""
    if isinstance(value, dict):
        cls = str(value.get("class_name"))[:60]
        if cls in _SERIALIZED_CODE:
            named = value.get("config")
            return f"a serialized function ({str(value.get('module'))[:60]!r}, {str(named)[:60]!r})"
        module = value.get("module")
        return f"{cls!r}" + (f" from module {str(module)[:80]!r}" if module else "")
    if isinstance(value, str):
        return repr(value[:60])
    return f"a {type(value).__name__}"


def _tensors(value: Any, depth: int = 0) -> Iterable[dict[str, Any]]:
    if depth > 4:
        return
    if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__" and isinstance(value.get("config"),
                                                                                               dict):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _tensors(item, depth + 1)


def _leaves(value: Any, where: str, key: str, depth: int = 0) -> Iterable[Any]:
    if depth > 3:
        raise ConfigRefused(f"{where}: {key!r} is nested too deeply")
    if isinstance(value, list):
        for item in value[:MAX_LIST]:
            yield from _leaves(item, where, key, depth + 1)
    elif isinstance(value, dict) and not _is_object(value):
        for item in list(value.values())[:MAX_DICT]:
            yield from _leaves(item, where, key, depth + 1)
    elif value is not None:
        yield value


def gate(config: Any, bounds: Bounds, allow: AllowList | None = None) -> dict[str, Any]:
    """``config`` itself when it passes the allow-list; else :class:`ConfigRefused` (one line, the layer, why)."""
    walk = _Walk(allow or keras_allow_list(), bounds)
    walk.model(config, "the model", 0, None)
    return config
