"""``gru_forward``: the GRU forward pass in numpy with Keras' weights (``reset_after=False``), every hidden state.

``gru_forward(inputs, kernel, recurrent_kernel, bias)``: inputs (timesteps, features); Keras' layout, kernel
(features, 3·units), recurrent_kernel (units, 3·units), bias (3·units,), the gate blocks in Keras' order z, r, h.
Returns all hidden states, shape (timesteps, units); h starts at zeros. Equals
``keras.layers.GRU(units, reset_after=False, return_sequences=True)`` (tests/test_catalog.py checks it):

    z_t = σ(x_t·W_z + h_{t−1}·U_z + b_z)        r_t = σ(x_t·W_r + h_{t−1}·U_r + b_r)
    h̃_t = tanh(x_t·W_h + (r_t ⊙ h_{t−1})·U_h + b_h)
    h_t = z_t ⊙ h_{t−1} + (1 − z_t) ⊙ h̃_t

Seed: ``000_328bd1a058887ce7.txt``, "GRU (Gated Recurrent Units)": the same z_t, r_t and g_t (= h̃_t), but the lecture
writes h_t = (1 − z_t)·h_{t−1} + z_t·g_t ("z_t가 0이면 이전(t−1) 정보가 전달되고 1이면 현재(t) 정보가 전달"), the
complement of Keras' convention (Cho et al. 2014 use Keras' form). Both are GRUs; the weights Keras trains assume
Keras' form, which is graded. ``compare`` recognises a submission that follows the lecture and says so.
"""

import numpy as np

from harness.catalog import Case, FunctionAssignment
from reference._common import arg
from reference._recurrent import compare_states, keras_layout_case, keras_layout_examples, sigmoid

LECTURE = ("gru_forward follows the lecture's update h_t = (1 − z_t)·h_{t−1} + z_t·g_t; Keras (and this assignment) "
           "uses h_t = z_t·h_{t−1} + (1 − z_t)·h̃_t, the complement: swap z_t and 1 − z_t.")

RESET_AFTER = ("gru_forward applies the reset gate after the recurrent product, r_t ⊙ (h_{t−1}·U_h) (Keras' "
               "reset_after=True); this assignment is reset_after=False: (r_t ⊙ h_{t−1})·U_h.")
BOTH = ("gru_forward follows the lecture's update h_t = (1 − z_t)·h_{t−1} + z_t·g_t and applies the reset gate after "
        "the recurrent product; Keras' reset_after=False GRU uses h_t = z_t·h_{t−1} + (1 − z_t)·h̃_t with "
        "h̃_t = tanh(x_t·W_h + (r_t ⊙ h_{t−1})·U_h + b_h).")


def _gru(inputs, kernel, recurrent_kernel, bias, lecture=False, reset_after=False):
    units = recurrent_kernel.shape[0]
    W_z, W_r, W_h = (kernel[:, k * units:(k + 1) * units] for k in range(3))
    U_z, U_r, U_h = (recurrent_kernel[:, k * units:(k + 1) * units] for k in range(3))
    b_z, b_r, b_h = (bias[k * units:(k + 1) * units] for k in range(3))
    h = np.zeros((units,))
    states = []
    for x_t in inputs:
        z = sigmoid(np.dot(x_t, W_z) + np.dot(h, U_z) + b_z)
        r = sigmoid(np.dot(x_t, W_r) + np.dot(h, U_r) + b_r)
        recurrent = r * np.dot(h, U_h) if reset_after else np.dot(r * h, U_h)
        h_tilde = np.tanh(np.dot(x_t, W_h) + recurrent + b_h)
        h = (1 - z) * h + z * h_tilde if lecture else z * h + (1 - z) * h_tilde
        states.append(h)
    return np.stack(states, axis=0)


def gru_forward(inputs, kernel, recurrent_kernel, bias):
    return _gru(inputs, kernel, recurrent_kernel, bias)


def cases() -> list[Case]:
    return [
        keras_layout_case(1, 10, 3, 4, 3, "10 timesteps, 3 features, 4 units"),
        keras_layout_case(2, 1, 2, 3, 3, "a single timestep"),
        keras_layout_case(3, 20, 14, 32, 3, "20 timesteps of the 14 Jena features, GRU(32)", scale=0.2),
        keras_layout_case(4, 6, 5, 5, 3, "square: 5 features, 5 units"),
        keras_layout_case(5, 12, 32, 32, 3, "the Conv1D+GRU model's GRU(32) on 32 features", scale=0.15),
    ]


def examples() -> list[Case]:
    return keras_layout_examples(gates=3)


def compare(case: Case, expected, actual) -> str | None:
    inputs, kernel, recurrent, bias = (arg(case, 0, "inputs"), arg(case, 1, "kernel"),
                                       arg(case, 2, "recurrent_kernel"), arg(case, 3, "bias"))
    alternatives = [
        (LECTURE, lambda: _gru(inputs, kernel, recurrent, bias, lecture=True)),
        (RESET_AFTER, lambda: _gru(inputs, kernel, recurrent, bias, reset_after=True)),
        (BOTH, lambda: _gru(inputs, kernel, recurrent, bias, lecture=True, reset_after=True)),
    ]
    return compare_states(case, expected, actual, "gru_forward", alternatives)


ASSIGNMENT = FunctionAssignment(
    id="gru_forward",
    title="GRU forward pass in numpy with Keras' weight layout (reset_after=False)",
    seed="000_328bd1a058887ce7.txt",
    where="GRU (Gated Recurrent Units): z_t, r_t, g_t, h_t",
    function="gru_forward",
    reference=gru_forward,
    cases=cases,
    examples=examples,
    compare=compare,
)
