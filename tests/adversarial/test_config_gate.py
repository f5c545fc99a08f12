"""Issue 13, items 1 and 2: a model config passes an allow-list before Keras builds it, and the checker is confined.

A student's model reaches the grader as JSON its own code wrote. Keras' ``safe_mode`` is a deny-list: a ``Lambda``
whose function is a public Keras function (a ``keras.datasets`` loader) still runs while the config is built. The
grader refuses such configs with one line naming the layer (harness/checks/config_gate.py) and builds the rest in a
checker with no network, a read-only filesystem and the run's limits (harness/checks/confine.py,
harness/checks/checker.py).

Asserted from the outside: the instructor's ``$KERAS_HOME`` files are intact, no connection reached the listeners,
the other students are graded, ``--format json`` parses, verdicts and the exit status.
"""

from __future__ import annotations

import copy
import json
import os
import socket
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from hostile_class import ROOT, Run, bwrap_available, finish, grade_class

from harness.catalog import load_catalog
from harness.checks import config_gate
from harness.checks.config_gate import Bounds, ConfigRefused

LAMBDA_REFUSED = "is a Lambda: layers that carry code are not graded (replace it with built-in layers)"


def _reference_config(assignment_id: str = "simple_rnn") -> dict:
    import keras

    keras.utils.set_random_seed(0)
    return json.loads(load_catalog()[assignment_id].build().to_json())


def _gate(config: dict) -> dict:
    bounds = config_gate.catalog_bounds()
    return config_gate.gate(config_gate.parse(json.dumps(config), "model.json", bounds), bounds)


def _lambda(module: str, function: str, inputs: object, arguments: dict | None = None) -> dict:
    return {"module": "keras.layers", "class_name": "Lambda", "registered_name": None, "name": "gadget",
            "config": {"name": "gadget", "trainable": True, "arguments": arguments or {}, "output_shape": [1],
                       "function": {"module": module, "class_name": "function", "config": function,
                                    "registered_name": "function"}},
            "inbound_nodes": [{"args": [], "kwargs": {"inputs": inputs}}]}


# -- the allow-list -------------------------------------------------------------------------------------------------

def test_the_allow_list_is_kerass_own_layers_less_those_that_carry_code_or_read_files() -> None:
    import keras

    allowed = config_gate.keras_allow_list().layers
    for refused in ("Lambda", "TFSMLayer", "TextVectorization", "StringLookup", "Layer"):
        assert refused not in allowed
    for built_in in ("BatchNormalization", "AveragePooling1D", "Bidirectional", "TimeDistributed", "Dense", "LSTM"):
        assert built_in in allowed
    assert set(allowed) <= set(dir(keras.layers))
    assert {"units", "return_sequences", "kernel_initializer", "name", "dtype"} <= allowed["LSTM"]


def test_bounds_come_from_the_catalog() -> None:
    models = [a for a in load_catalog().values() if a.kind == "model"]
    bounds = Bounds.from_catalog(models)
    largest = max(t for a in models for t in (a.total_params, *(v.total_params for v in a.variants)) if t)
    assert bounds.max_params >= 20 * largest
    assert bounds.max_layers == 10 * (max(len(a.figures) for a in models) + 1)
    assert config_gate.catalog_bounds() == bounds


def test_every_reference_and_variant_passes_and_its_count_is_a_lower_bound() -> None:
    import keras

    bounds = config_gate.catalog_bounds()
    allow = config_gate.keras_allow_list()
    checked = 0
    for assignment in load_catalog().values():
        if assignment.kind != "model":
            continue
        for build in (assignment.build, *(v.build for v in assignment.variants)):
            keras.utils.set_random_seed(0)
            model = build()
            walk = config_gate._Walk(allow, bounds)  # the count is what the bound is checked on
            walk.model(json.loads(model.to_json()), "the model", 0, None)
            assert 0 < walk.params <= model.count_params(), assignment.id
            checked += 1
    assert checked >= len([a for a in load_catalog().values() if a.kind == "model"])


def test_built_in_layers_the_reference_lacks_pass_the_gate() -> None:
    import keras

    model = keras.Sequential([keras.Input((None,), dtype="int32"), keras.layers.Embedding(10000, 32),
                              keras.layers.BatchNormalization(), keras.layers.AveragePooling1D(2),
                              keras.layers.Bidirectional(keras.layers.GRU(8, return_sequences=True)),
                              keras.layers.TimeDistributed(keras.layers.Dense(4, kernel_regularizer="l2")),
                              keras.layers.GlobalMaxPooling1D(), keras.layers.Dense(1, activation="sigmoid")])
    _gate(json.loads(model.to_json()))


def _append(layer: dict):
    def change(config: dict) -> None:
        config["config"]["layers"].append(layer)
    return change


def _set(index: int, key: str, value: object, inner: bool = True):
    def change(config: dict) -> None:
        (config["config"]["layers"][index]["config"] if inner else config["config"]["layers"][index])[key] = value
    return change


def _nest(levels: int):
    def change(config: dict) -> None:
        inner = copy.deepcopy(config)
        for level in range(levels):
            inner = {"module": "keras", "class_name": "Sequential", "registered_name": None,
                     "config": {"name": f"outer{level}", "layers": [inner]}}
        config.clear()
        config.update(inner)
    return change


def _flood(count: int):
    def change(config: dict) -> None:
        dense = {"module": "keras.layers", "class_name": "Dense", "registered_name": None, "config": {"units": 1}}
        config["config"]["layers"] += [copy.deepcopy(dense) for _ in range(count)]
    return change


HOSTILE = {
    "lambda_get_file": (_append(_lambda("keras.utils", "get_file", "x.npz", {"origin": "http://127.0.0.1:9/x"})),
                        f"layer 3 'gadget' {LAMBDA_REFUSED}"),
    "lambda_dataset_loader": (_append(_lambda("keras.datasets.imdb", "load_data", "/root/.keras/datasets/imdb.npz")),
                              f"layer 3 'gadget' {LAMBDA_REFUSED}"),
    "tfsm_layer": (_append({"module": "keras.layers", "class_name": "TFSMLayer", "registered_name": None,
                            "config": {"name": "saved", "filepath": "/etc"}}),
                   "layer 3 'saved' is a TFSMLayer: layers that carry code are not graded"),
    "custom_module": (_set(1, "module", "keras.src.utils.file_utils", inner=False),
                      "is 'Embedding' from module 'keras.src.utils.file_utils': only Keras' built-in layers are "
                      "graded"),
    "registered_name": (_set(1, "registered_name", "keras.utils>get_file", inner=False),
                        "(Embedding) names the registered class 'keras.utils>get_file'"),
    "function_as_activation": (_set(2, "activation", {"module": "keras.utils", "class_name": "function",
                                                      "config": "get_file", "registered_name": "function"}),
                               "'activation' is a serialized function ('keras.utils', 'get_file')"),
    "gadget_initializer": (_set(2, "kernel_initializer", {"module": "keras.datasets.imdb", "class_name": "load_data",
                                                          "config": {}}),
                           "'kernel_initializer' is 'load_data' from module 'keras.datasets.imdb', not one of "
                           "Keras' built-in initializers"),
    "lambda_bytecode_in_an_argument": (_set(2, "return_sequences", {"class_name": "__lambda__", "config": {}}),
                                       "'return_sequences' is a serialized function"),
    "unknown_argument": (_set(2, "function", "get_file"), "'function' is not an argument of SimpleRNN"),
    "billion_units": (_set(2, "units", 10**9), "'units' is 1,000,000,000, beyond any model the course grades"),
    "huge_vocabulary": (_set(1, "input_dim", 10**7), "parameters, the grader's bound (20× the largest reference"),
    "declared_build_shape": (_append({"module": "keras.layers", "class_name": "Dense", "registered_name": None,
                                      "config": {"name": "wide", "units": 4096},
                                      "build_config": {"input_shape": [None, 10**6]}}),
                             "layer 3 'wide' (Dense): the model has more than"),
    "thousands_of_layers": (_flood(3000), "build the model from fewer layers"),
    "nested_models": (_nest(6), "nests models and wrappers more than 4 deep"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_config_is_refused_with_one_line_naming_the_layer(name: str) -> None:
    change, expected = HOSTILE[name]
    config = _reference_config()  # a Sequential: InputLayer (layer 0), Embedding, SimpleRNN
    change(config)
    with pytest.raises(ConfigRefused) as refused:
        _gate(config)
    message = str(refused.value)
    assert expected in message
    assert "\n" not in message and len(message) < 400


def test_json_nested_past_any_model_is_refused_before_it_is_walked() -> None:
    bounds = config_gate.catalog_bounds()
    with pytest.raises(ConfigRefused, match="nested too deeply"):
        config_gate.parse("[" * 100_000 + "]" * 100_000, "model.json", bounds)
    with pytest.raises(ConfigRefused, match="more than the .* a gradable model config needs"):
        config_gate.parse(b" " * (bounds.max_bytes + 1), "model.json", bounds)


def _archive(path: Path, config: dict, extra: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", "{}")
        archive.writestr("config.json", json.dumps(config))
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return path


def test_a_keras_archive_is_gated_from_its_own_config_json(tmp_path: Path) -> None:
    bounds = config_gate.catalog_bounds()
    good = _reference_config()
    assert config_gate.read_keras_config(_archive(tmp_path / "ok.keras", good), bounds, 2**30) == good
    poisoned = copy.deepcopy(good)
    poisoned["config"]["layers"].append(_lambda("keras.config", "set_floatx", "float16"))
    with pytest.raises(ConfigRefused, match=LAMBDA_REFUSED.replace("(", r"\(").replace(")", r"\)")):
        config_gate.read_keras_config(_archive(tmp_path / "gadget.keras", poisoned), bounds, 2**30)
    with pytest.raises(ConfigRefused, match="holds 'assets/x.txt'"):
        config_gate.read_keras_config(_archive(tmp_path / "assets.keras", good, {"assets/x.txt": b"x"}), bounds, 2**30)
    with pytest.raises(ConfigRefused, match="unpacks to more than"):
        config_gate.read_keras_config(_archive(tmp_path / "big.keras", good, {"model.weights.h5": b"0" * 4096}),
                                      bounds, 2048)
    (tmp_path / "junk.keras").write_bytes(b"not a zip")
    with pytest.raises(ConfigRefused, match="not a readable .keras archive"):
        config_gate.read_keras_config(tmp_path / "junk.keras", bounds, 2**30)


def test_read_model_gates_a_saved_archive_before_keras_opens_it(tmp_path: Path) -> None:
    """The path of ``--checks train`` (whose trained ``.keras`` the grader's own process loads) and of the checker."""
    import keras

    from harness.checks import evaluate

    model = load_catalog()["simple_rnn"].build()
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
    model.save(tmp_path / "trained.keras")
    assert evaluate.read_model(tmp_path / "trained.keras").count_params() == model.count_params()
    with zipfile.ZipFile(tmp_path / "trained.keras") as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(files["config.json"])
    config["config"]["layers"].append(_lambda("keras.config", "set_floatx", "float16"))
    files["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(tmp_path / "poisoned.keras", "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    with pytest.raises(ConfigRefused, match="layer 3 'gadget' is a Lambda"):
        evaluate.read_model(tmp_path / "poisoned.keras")
    assert keras.config.floatx() == "float32"


# -- the checker's confinement --------------------------------------------------------------------------------------

CONFINED_PROBE = textwrap.dedent("""
    import json, os, socket, sys
    from pathlib import Path
    from harness.checks.confine import confine

    scratch, marks, port = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    report = os.dup(1)
    done = confine(scratch)
    seen = {"confinement": done.__dict__, "cwd": os.getcwd(), "home": os.environ["HOME"],
            "keras_home": os.environ["KERAS_HOME"]}
    for place in (marks / "MARK", Path.home() / "MARK", scratch / "ok"):
        try:
            place.write_text("x")
            seen[str(place)] = "wrote"
        except OSError as exc:
            seen[str(place)] = exc.strerror
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        seen["tcp"] = "connected"
    except OSError as exc:
        seen["tcp"] = exc.strerror
    print("this line goes to stderr")
    os.write(report, json.dumps(seen).encode())
""")


def test_the_confined_checker_has_no_network_and_writes_only_its_scratch(tmp_path: Path) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.5)
    scratch, marks = tmp_path / "scratch", tmp_path / "marks"
    scratch.mkdir()
    marks.mkdir()
    done = subprocess.run([sys.executable, "-c", CONFINED_PROBE, str(scratch), str(marks),
                           str(listener.getsockname()[1])], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          check=False)
    try:
        listener.accept()
        connected = True
    except (TimeoutError, OSError):
        connected = False
    listener.close()
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout)
    assert connected is False and seen["tcp"] != "connected", seen
    assert seen["home"] == seen["keras_home"] == seen["cwd"] == str(scratch)
    assert seen[str(scratch / "ok")] == "wrote"
    assert "this line goes to stderr" in done.stderr  # stdout belongs to the grader's --format json
    if os.geteuid() == 0:
        assert seen["confinement"]["network"] == "namespace", seen
        assert seen["confinement"]["filesystem"] == "read-only", seen
        assert list(marks.iterdir()) == [], seen
        assert seen[str(marks / "MARK")] == "Read-only file system"
        assert not (scratch / "ok").exists()  # the scratch tmpfs lived in the checker's mount namespace only
    else:
        assert seen["confinement"]["network"] == "seccomp", seen


SOCKET_PROBE = textwrap.dedent("""
    import json, socket
    from harness.checks import confine

    seen = {"installed": confine._deny_sockets()}
    for name, family, kind in (("inet", socket.AF_INET, socket.SOCK_STREAM), ("inet6", socket.AF_INET6,
                               socket.SOCK_DGRAM), ("unix", socket.AF_UNIX, socket.SOCK_STREAM)):
        try:
            socket.socket(family, kind).close()
            seen[name] = "ok"
        except OSError as exc:
            seen[name] = exc.errno
    print(json.dumps(seen))
""")


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="the filter is x86-64 only")
def test_without_root_the_checker_refuses_every_socket_but_unix() -> None:
    done = subprocess.run([sys.executable, "-c", SOCKET_PROBE], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout) == {"installed": True, "inet": 1, "inet6": 1, "unix": "ok"}  # 1: EPERM


PAST_THE_GATE = textwrap.dedent("""
    import json, sys
    from pathlib import Path

    import keras
    from harness.checks import evaluate
    from harness.catalog import load_catalog

    def ungated(path):  # what read_model did before the gate: Keras' safe mode alone
        config = json.loads(Path(path).read_text())
        config["compile_config"] = None
        return keras.saving.deserialize_keras_object(config, safe_mode=True)

    def main():
        folder, keras_home = Path(sys.argv[1]), sys.argv[2]
        load_catalog()
        from harness.checks.checker import Checker
        from harness.sandbox import Limits, Outcome

        checker = Checker()
        checker.start()  # forked before this process runs a TensorFlow op: it inherits the ungated load
        inputs = keras.Input((None,), dtype="int32")
        honest = json.loads(keras.Model(inputs, keras.layers.SimpleRNN(32)(keras.layers.Embedding(10000, 32)(inputs)))
                            .to_json())
        results = {}
        for name, module, function, value in (
                ("loader", "keras.datasets.imdb", "load_data", keras_home + "/datasets/imdb.npz"),
                ("floatx", "keras.config", "set_floatx", "float16")):
            config = json.loads(json.dumps(honest))
            config["config"]["layers"].append({
                "module": "keras.layers", "class_name": "Lambda", "registered_name": None, "name": "gadget",
                "config": {"name": "gadget", "trainable": True, "arguments": {}, "output_shape": [1],
                           "function": {"module": module, "class_name": "function", "config": function,
                                        "registered_name": "function"}},
                "inbound_nodes": [{"args": [], "kwargs": {"inputs": value}}]})
            (folder / name).mkdir()
            (folder / name / "model.json").write_text(json.dumps(config))
            result = checker.check("simple_rnn", "simple_rnn.py", Outcome(exit_code=0, out=folder / name),
                                   Limits(wall_s=60))
            results[name] = {"status": result.status, "reason": result.reason, "restarts": checker.restarts}
        checker.close()
        print(json.dumps(results))

    if __name__ == "__main__":
        evaluate.read_model = ungated
        main()
""")


def _keras_settings(keras_home: Path) -> str:
    """The instructor's ``keras.json``, there before the grader imports Keras (which writes one where none is)."""
    settings = json.dumps({"floatx": "float32", "epsilon": 1e-07, "backend": "tensorflow", "image_data_format":
                           "channels_last"}, indent=4)
    (keras_home / "keras.json").write_text(settings)
    return settings


def test_a_gadget_past_the_gate_reaches_neither_files_nor_network_and_its_checker_is_replaced(tmp_path: Path) -> None:
    keras_home = tmp_path / "keras_home"
    (keras_home / "datasets").mkdir(parents=True)
    precious = keras_home / "datasets" / "imdb.npz"
    precious.write_bytes(b"the instructor's copy")
    settings = _keras_settings(keras_home)
    script = tmp_path / "past_the_gate.py"
    script.write_text(PAST_THE_GATE)
    (tmp_path / "out").mkdir()
    done = subprocess.run([sys.executable, str(script), str(tmp_path / "out"), str(keras_home)], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "KERAS_HOME": str(keras_home)},
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout)  # nothing the load printed reached stdout
    assert precious.read_bytes() == b"the instructor's copy"
    assert (keras_home / "keras.json").read_text() == settings
    assert sorted(p.name for p in keras_home.rglob("*")) == ["datasets", "imdb.npz", "keras.json"]
    assert results["loader"]["status"] == "error", results
    assert results["floatx"] == {"status": "error", "restarts": results["loader"]["restarts"] + 1,
                                 "reason": "its saved model failed the safe-mode load: loading it changes "
                                           "process-wide Keras state (floatx)"}, results


# -- a hostile class through the CLI --------------------------------------------------------------------------------

GATE_CLASS = ["control_a", "gate_get_file", "gate_dataset_loader", "gate_custom_module", "gate_registered_name",
              "gate_layer_flood", "gate_giant_dense", "gate_deep_nesting", "gate_unusual_layers", "control_b"]


@pytest.fixture(scope="module")
def gated(tmp_path_factory: pytest.TempPathFactory) -> Run:
    tmp = tmp_path_factory.mktemp("gate")
    keras_home = tmp / "keras_home"
    (keras_home / "datasets").mkdir(parents=True)
    for name in ("imdb.npz", "precious.npz"):
        (keras_home / "datasets" / name).write_bytes(f"the instructor's {name}".encode())
    _keras_settings(keras_home)
    mode = "sandbox" if bwrap_available() else "fallback"  # the gate is the trusted side's, either way
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KERAS_HOME", str(keras_home))
        run = grade_class(mode, tmp / "class", GATE_CLASS, tmp, "--timeout", "20", "--memory", "2G", "--jobs", "1",
                          values={"KERAS_HOME": str(keras_home)})
    run.values["KERAS_HOME_DIR"] = str(keras_home)
    yield run
    finish(run)


def test_the_class_is_graded_and_the_json_report_parses(gated: Run) -> None:
    assert gated.returncode == 1, gated.stderr[-3000:]  # some assignments errored or failed
    assert {s["submission"] for s in gated.report["submissions"]} == set(GATE_CLASS)
    for control in ("control_a", "control_b"):
        assert gated.result(control)["status"] == "passed", gated.result(control)["reason"]


def test_the_instructors_keras_home_is_untouched_and_nothing_connected(gated: Run) -> None:
    keras_home = Path(gated.values["KERAS_HOME_DIR"])
    assert sorted(p.name for p in keras_home.rglob("*")) == ["datasets", "imdb.npz", "keras.json", "precious.npz"]
    for name in ("imdb.npz", "precious.npz"):
        assert (keras_home / "datasets" / name).read_bytes() == f"the instructor's {name}".encode()
    assert gated.listeners.events == []


@pytest.mark.parametrize(("student", "reason"), [
    ("gate_get_file", f"layer 3 'fetch' {LAMBDA_REFUSED}"),
    ("gate_dataset_loader", f"layer 3 'loader' {LAMBDA_REFUSED}"),
    ("gate_custom_module", "is 'Embedding' from module 'keras.src.utils.file_utils': only Keras' built-in layers "
                           "are graded (custom classes and modules are refused)"),
    ("gate_registered_name", "(SimpleRNN) names the registered class 'keras.utils>get_file': custom classes are not "
                             "graded"),
    ("gate_giant_dense", "(Dense): 'units' is 1,000,000,000, beyond any model the course grades"),
    ("gate_layer_flood", "build the model from fewer layers"),
    ("gate_deep_nesting", "nests models and wrappers more than 4 deep"),
])
def test_each_hostile_config_is_an_error_with_one_line_naming_the_layer(gated: Run, student: str,
                                                                        reason: str) -> None:
    result = gated.result(student)
    assert (result["status"], result["score"]) == ("error", 0)
    assert reason in result["reason"], result["reason"]
    assert "\n" not in result["reason"]


def test_built_in_layers_the_reference_lacks_are_graded_failed_not_refused(gated: Run) -> None:
    result = gated.result("gate_unusual_layers")
    assert result["status"] == "failed", result["reason"]
    shown = json.dumps(result)
    assert "BatchNormalization" in shown and "AveragePooling1D" in shown
