# [instructor note] bob mistake: LECTURE CONVENTION - uses the slide's h_t = (1 - z) * h_{t-1} + z * g_t.
# Keras (reset_after=False) computes h_t = z * h_{t-1} + (1 - z) * g_t, so results differ from keras.layers.GRU.
import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def gru_forward(inputs, kernel, recurrent_kernel, bias):
    units = recurrent_kernel.shape[0]
    Wz, Wr, Wh = np.split(kernel, 3, axis=1)
    Uz, Ur, Uh = np.split(recurrent_kernel, 3, axis=1)
    bz, br, bh = np.split(bias, 3)

    h = np.zeros(units)
    out = []
    for x in inputs:
        z = sigmoid(x @ Wz + h @ Uz + bz)
        r = sigmoid(x @ Wr + h @ Ur + br)
        g = np.tanh(x @ Wh + (r * h) @ Uh + bh)
        h = (1 - z) * h + z * g  # 강의 슬라이드 식 그대로
        out.append(h)
    return np.array(out)
