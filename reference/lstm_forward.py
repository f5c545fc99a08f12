"""``lstm_forward``: the LSTM forward pass in numpy with Keras' weights, returning every hidden state.

``lstm_forward(inputs, kernel, recurrent_kernel, bias)``: inputs (timesteps, features); Keras' layout, kernel
(features, 4·units), recurrent_kernel (units, 4·units), bias (4·units,), the gate blocks in Keras' order i, f, c, o.
Returns all hidden states, shape (timesteps, units); h and c start at zeros.

Seed: ``000_328bd1a058887ce7.txt``, "LSTM (Long Short-Term Memory)" (Forget gate / Input gate / Cell state / Output
gate slides): f_t = σ(X_t·W_xh_f + H_{t−1}·W_hh_f + b_f), I_t = σ(X_t·W_xh_i + H_{t−1}·W_hh_i + b_i),
g_t = tanh(X_t·W_xh_g + H_{t−1}·W_hh_g + b_c), O_t = σ(X_t·W_xh_o + H_{t−1}·W_hh_o + b_o), C_t = f_t·C_{t−1} + I_t·g_t,
H_t = O_t·tanh(C_t) (also 001, DLwP 6.2.2's pseudo-code). That is exactly ``keras.layers.LSTM(return_sequences=True)``
with its default sigmoid gates (tests/test_catalog.py checks it). Graded: shape, floating dtype, values to 1e-5.
"""

import numpy as np

from harness.catalog import Case, FunctionAssignment
from reference._common import arg
from reference._recurrent import compare_states, keras_layout_case, keras_layout_examples, sigmoid


def _lstm(inputs, kernel, recurrent_kernel, bias, order="ifco", cells=False):
    units = recurrent_kernel.shape[0]
    h = np.zeros((units,))
    c = np.zeros((units,))
    hidden, cell = [], []
    for x_t in inputs:
        z = np.dot(x_t, kernel) + np.dot(h, recurrent_kernel) + bias
        block = {name: z[k * units:(k + 1) * units] for k, name in enumerate(order)}
        i = sigmoid(block["i"])
        f = sigmoid(block["f"])
        g = np.tanh(block["c"])
        o = sigmoid(block["o"])
        c = f * c + i * g
        h = o * np.tanh(c)
        hidden.append(h)
        cell.append(c)
    return np.stack(cell if cells else hidden, axis=0)


def lstm_forward(inputs, kernel, recurrent_kernel, bias):
    return _lstm(inputs, kernel, recurrent_kernel, bias)


def cases() -> list[Case]:
    return [
        keras_layout_case(1, 10, 3, 4, 4, "10 timesteps, 3 features, 4 units"),
        keras_layout_case(2, 1, 2, 3, 4, "a single timestep"),
        keras_layout_case(3, 4, 1, 128, 4, "the song's LSTM(128) on 4 timesteps of 1 feature", scale=0.1),
        keras_layout_case(4, 20, 14, 32, 4, "20 timesteps of the 14 Jena features, 32 units", scale=0.2),
        keras_layout_case(5, 6, 5, 5, 4, "square: 5 features, 5 units"),
    ]


def examples() -> list[Case]:
    return keras_layout_examples(gates=4)


def compare(case: Case, expected, actual) -> str | None:
    inputs, kernel, recurrent, bias = (arg(case, 0, "inputs"), arg(case, 1, "kernel"),
                                       arg(case, 2, "recurrent_kernel"), arg(case, 3, "bias"))
    alternatives = [
        ("lstm_forward returned the cell states C_t; return the hidden states H_t = O_t·tanh(C_t).",
         lambda: _lstm(inputs, kernel, recurrent, bias, cells=True)),
        (("lstm_forward reads the gate blocks in the order i, f, o, c; Keras' kernel columns are i, f, c (the "
          "candidate g_t), o."), lambda: _lstm(inputs, kernel, recurrent, bias, order="ifoc")),
        ("lstm_forward reads the gate blocks in the order f, i, c, o; Keras' kernel columns are i, f, c, o.",
         lambda: _lstm(inputs, kernel, recurrent, bias, order="fico")),
    ]
    return compare_states(case, expected, actual, "lstm_forward", alternatives)


ASSIGNMENT = FunctionAssignment(
    id="lstm_forward",
    title="LSTM forward pass in numpy with Keras' weight layout",
    seed="000_328bd1a058887ce7.txt",
    where="LSTM: Forget gate, Input gate, Cell state, Output gate (H_t = O_t tanh(C_t))",
    function="lstm_forward",
    reference=lstm_forward,
    cases=cases,
    examples=examples,
    compare=compare,
)
