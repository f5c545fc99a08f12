# [instructor note] bob mistake: RUNTIME EXCEPTION inside build_model - refers to the notebook global
# float_data (float_data.shape[-1]) which this module never defines: NameError when build_model() runs.
# The module itself imports fine.
from keras.models import Sequential
from keras import layers


def build_model():
    model = Sequential()
    model.add(layers.GRU(32, input_shape=(None, float_data.shape[-1])))  # noqa: F821
    model.add(layers.Dense(1))
    return model
