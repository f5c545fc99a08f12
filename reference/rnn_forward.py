"""``rnn_forward``: the numpy SimpleRNN forward pass, ``rnn_forward(inputs, W, U, b)`` → all outputs (timesteps, out).

Seed: ``001_07b7324716c42e53.txt``, "6.2 순환 신경망 이해하기" (DLwP listing 6-3, "간단한 RNN의 정방향 계산을 넘파이로
구현한 것"): ``state_t`` starts at zeros; for each ``input_t``, ``output_t = np.tanh(np.dot(W, input_t) + np.dot(U,
state_t) + b)``, then ``state_t = output_t``; ``np.stack(successive_outputs, axis=0)`` is returned. W is
(output_features, input_features), U (output_features, output_features), b (output_features,).

Seed typo: ``U = np.random.random((output_features, input_features))`` — U multiplies the state, so it is
(output_features, output_features); with the seed's 32 inputs and 64 outputs its ``np.dot(U, state_t)`` fails.

This is Keras' ``SimpleRNN(return_sequences=True)`` with ``kernel = W.T``, ``recurrent_kernel = U.T`` and ``bias = b``
(tests/test_catalog.py checks it). Graded: shape (timesteps, out), floating dtype, values to 1e-5.
"""

import numpy as np

from harness.catalog import Case, FunctionAssignment
from reference._common import arg, draw, rng_arrays
from reference._recurrent import compare_states


def rnn_forward(inputs, W, U, b):
    state_t = np.zeros((W.shape[0],))
    successive_outputs = []
    for input_t in inputs:
        output_t = np.tanh(np.dot(W, input_t) + np.dot(U, state_t) + b)
        successive_outputs.append(output_t)
        state_t = output_t
    return np.stack(successive_outputs, axis=0)


def _case(seed: int, timesteps: int, features: int, units: int, label: str, scale: float = 0.3) -> Case:
    inputs, W, U, b = rng_arrays(seed, (timesteps, features), (units, features), (units, units), (units,),
                                 scale=scale)
    return Case(args=(inputs * 3.0, W, U, b), label=label)


def cases() -> list[Case]:
    rng = np.random.default_rng(100)
    seed_like = (rng.random((100, 32)), rng.random((64, 32)) * 0.03, rng.random((64, 64)) * 0.03, rng.random((64,)))
    return [
        _case(1, 100, 32, 64, "the seed's sizes: 100 timesteps, 32 input features, 64 output features", scale=0.1),
        Case(args=seed_like, label="the seed's sizes with np.random.random-style (all positive) values"),
        _case(2, 5, 3, 4, "5 timesteps, 3 features, 4 units"),
        _case(3, 6, 4, 4, "square: 4 features, 4 units (U's orientation matters)"),
        _case(4, 1, 2, 3, "a single timestep"),
    ]


def examples() -> list[Case]:
    from hypothesis import strategies as st

    strategy = st.tuples(st.integers(1, 8), st.integers(1, 6), st.integers(1, 6), st.integers(0, 2**16))
    return [_case(seed, t, f, u, f"random: {t} timesteps, {f} features, {u} units")
            for t, f, u, seed in draw(strategy, 12)]


def compare(case: Case, expected, actual) -> str | None:
    inputs, W, U, b = (arg(case, 0, "inputs"), arg(case, 1, "W"), arg(case, 2, "U"), arg(case, 3, "b"))

    def no_state_update():
        return np.stack([np.tanh(W @ x + b) for x in inputs])

    alternatives = [
        (("rnn_forward multiplies the state by U transposed (np.dot(state_t, U)); the seed's formula is "
          "np.dot(U, state_t) with U of shape (output_features, output_features)."),
         lambda: rnn_forward(inputs, W, U.T, b)),
        (("rnn_forward never feeds the state back: after each step set state_t = output_t, so the next step "
          "adds np.dot(U, state_t)."), no_state_update),
    ]
    return compare_states(case, expected, actual, "rnn_forward", alternatives)


ASSIGNMENT = FunctionAssignment(
    id="rnn_forward",
    title="SimpleRNN forward pass in numpy (DLwP listing 6-3)",
    seed="001_07b7324716c42e53.txt",
    where="6.2 순환 신경망 이해하기: 간단한 RNN의 정방향 계산을 넘파이로 구현한 것",
    function="rnn_forward",
    reference=rnn_forward,
    cases=cases,
    examples=examples,
    compare=compare,
)
