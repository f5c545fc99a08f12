# MNIST 손글씨 인식 - 딥러닝 기본 프레임
from keras.layers import Dense
from keras.models import Sequential


def build_model():
    model = Sequential()
    model.add(Dense(512, input_dim=784, activation='relu'))
    model.add(Dense(10, activation='softmax'))
    return model


model = build_model()
print(model.count_params())  # 407,050
