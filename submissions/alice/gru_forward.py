# GRU 정방향 계산 (넘파이), keras.layers.GRU(reset_after=False) 와 같은 결과
#   kernel: (input_dim, 3*units) 순서 z(update), r(reset), h(후보)
#   recurrent_kernel: (units, 3*units), bias: (3*units,)
#
# 주의: 강의 슬라이드 식은 h_t = (1 - z_t) h_{t-1} + z_t g_t 인데
# 케라스 구현은 z 의 역할이 반대라서 h_t = z_t h_{t-1} + (1 - z_t) g_t 이다.
# (keras.layers.GRU 와 비교해서 확인함)
import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def gru_forward(inputs, kernel, recurrent_kernel, bias):
    units = recurrent_kernel.shape[0]

    W_z = kernel[:, :units]
    W_r = kernel[:, units:2 * units]
    W_h = kernel[:, 2 * units:]
    U_z = recurrent_kernel[:, :units]
    U_r = recurrent_kernel[:, units:2 * units]
    U_h = recurrent_kernel[:, 2 * units:]
    b_z = bias[:units]
    b_r = bias[units:2 * units]
    b_h = bias[2 * units:]

    h = np.zeros((units,))
    hs = []
    for x in inputs:
        z = sigmoid(np.dot(x, W_z) + np.dot(h, U_z) + b_z)
        r = sigmoid(np.dot(x, W_r) + np.dot(h, U_r) + b_r)
        g = np.tanh(np.dot(x, W_h) + np.dot(r * h, U_h) + b_h)
        h = z * h + (1 - z) * g
        hs.append(h)
    return np.stack(hs)
