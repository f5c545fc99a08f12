# [instructor note] bob: CORRECT submission (numpy SimpleRNN, same as DLwP 6.2).
import numpy as np


def rnn_forward(inputs, W, U, b):
    state_t = np.zeros((W.shape[0],))
    successive_outputs = []
    for input_t in inputs:
        output_t = np.tanh(np.dot(W, input_t) + np.dot(U, state_t) + b)
        successive_outputs.append(output_t)
        state_t = output_t
    return np.stack(successive_outputs, axis=0)
