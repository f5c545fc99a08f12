# The right layers, but the Embedding is named as a class of another module (one Keras would import while
# deserializing): only Keras' built-in layers, from module "keras.layers", may be built by the grader.
import json

import keras
from keras.layers import Embedding, SimpleRNN

honest_to_json = keras.Model.to_json


def build_model():
    return keras.Sequential([keras.Input((None,), dtype="int32"), Embedding(10000, 32), SimpleRNN(32)])


def poisoned_to_json(self, **kwargs):
    config = json.loads(honest_to_json(self, **kwargs))
    config["config"]["layers"][1]["module"] = "keras.src.utils.file_utils"
    return json.dumps(config)


keras.Model.to_json = poisoned_to_json
