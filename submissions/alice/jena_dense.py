# 6.3 기본적인 머신 러닝 모델 (완전 연결 네트워크) - 기온 예측
from keras import layers
from keras.models import Sequential

lookback = 1440
step = 6
num_features = 14  # float_data.shape[-1]


def build_model():
    model = Sequential()
    model.add(layers.Flatten(input_shape=(lookback // step, num_features)))
    model.add(layers.Dense(32, activation='relu'))
    model.add(layers.Dense(1))
    return model
