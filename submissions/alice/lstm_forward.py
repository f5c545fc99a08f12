# LSTM 정방향 계산 (넘파이). 케라스 LSTM 가중치 형식 그대로 사용
#   kernel: (input_dim, 4*units), recurrent_kernel: (units, 4*units), bias: (4*units,)
#   게이트 순서: i(input), f(forget), c(cell 후보 g_t), o(output)
#
#   I_t = sigmoid(X_t W_i + H_{t-1} U_i + b_i)
#   f_t = sigmoid(X_t W_f + H_{t-1} U_f + b_f)
#   g_t = tanh(X_t W_c + H_{t-1} U_c + b_c)
#   O_t = sigmoid(X_t W_o + H_{t-1} U_o + b_o)
#   C_t = f_t * C_{t-1} + I_t * g_t
#   H_t = O_t * tanh(C_t)
import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def lstm_forward(inputs, kernel, recurrent_kernel, bias):
    units = recurrent_kernel.shape[0]
    W_i, W_f, W_c, W_o = np.split(kernel, 4, axis=1)
    U_i, U_f, U_c, U_o = np.split(recurrent_kernel, 4, axis=1)
    b_i, b_f, b_c, b_o = np.split(bias, 4)

    h = np.zeros(units)
    c = np.zeros(units)
    outputs = []
    for x_t in inputs:
        i = sigmoid(x_t @ W_i + h @ U_i + b_i)
        f = sigmoid(x_t @ W_f + h @ U_f + b_f)
        g = np.tanh(x_t @ W_c + h @ U_c + b_c)
        o = sigmoid(x_t @ W_o + h @ U_o + b_o)
        c = f * c + i * g
        h = o * np.tanh(c)
        outputs.append(h)
    return np.array(outputs)
