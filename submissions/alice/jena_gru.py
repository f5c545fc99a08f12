# 기온 예측 문제 (24시간 후) - GRU를 사용한 모델
from keras import layers
from keras.models import Sequential

n_features = 14  # jena_climate 의 컬럼 수 (Date Time 제외), float_data.shape[-1]


def build_model():
    model = Sequential()
    model.add(layers.GRU(32, input_shape=(None, n_features)))
    model.add(layers.Dense(1))
    return model
