"""``one_hot_chars``: character-level one-hot encoding, ``one_hot_chars(samples, max_length=50)``.

Seed: ``001_07b7324716c42e53.txt``, 6.1 "1. 단어와 문자의 원-핫 인코딩" (DLwP listing 6-2): ``characters =
string.printable`` (100 characters), ``token_index = dict(zip(characters, range(1, len(characters) + 1)))`` (the seed
prints ``{'0': 1, '1': 2, ...}``), ``results = np.zeros((len(samples), max_length, max(token_index.values()) + 1))`` and
``results[i, j, token_index.get(character)] = 1``. The seed prints ``(2, 50, 101)`` for its two samples.

Graded: shape, then values (any numeric dtype). Every graded sample is printable ASCII and at most ``max_length``
characters long: the seed's loop has no cut-off (a longer sample raises IndexError) and a character outside
``string.printable`` gets index ``None``, which numpy reads as a new axis (the whole row becomes 1).
"""

import string

import numpy as np

from harness.catalog import Case, FunctionAssignment
from reference._common import NUMERIC, compare_arrays, draw
from reference.one_hot_words import SAMPLES, depth_hint


def one_hot_chars(samples, max_length=50):
    characters = string.printable
    token_index = dict(zip(characters, range(1, len(characters) + 1)))
    results = np.zeros((len(samples), max_length, max(token_index.values()) + 1))
    for i, sample in enumerate(samples):
        for j, character in enumerate(sample[:max_length]):
            index = token_index.get(character)
            results[i, j, index] = 1.0
    return results


def cases() -> list[Case]:
    return [
        Case(args=(list(SAMPLES),), label="the seed's two samples, default max_length 50 → (2, 50, 101)"),
        Case(args=(list(SAMPLES), 30), label="the seed's samples, max_length 30 (positional)"),
        Case(args=(["0123456789", "abcXYZ", "~ !\t\n"],), kwargs={"max_length": 12},
             label="digits (index 1-10), letters, punctuation and whitespace"),
        Case(args=(["", "a"],), kwargs={"max_length": 3}, label="an empty sample stays all zero"),
        Case(args=([string.printable],), kwargs={"max_length": 100}, label="every printable character once"),
    ]


def examples() -> list[Case]:
    from hypothesis import strategies as st

    @st.composite
    def texts(draw_):
        max_length = draw_(st.integers(1, 40))
        text = st.text(alphabet=string.printable, max_size=max_length)
        return draw_(st.lists(text, min_size=1, max_size=4)), max_length

    return [Case(args=(samples,), kwargs={"max_length": max_length}, label=f"{len(samples)} random texts, "
                 f"max_length {max_length}") for samples, max_length in draw(texts(), 15)]


def compare(case: Case, expected, actual) -> str | None:
    message = compare_arrays(expected, actual, what="the result", kinds=NUMERIC)
    if message and "shape" in message:
        return depth_hint(expected, actual, "token_index numbers string.printable's 100 characters from 1") \
            or message
    return message


ASSIGNMENT = FunctionAssignment(
    id="one_hot_chars",
    title="Character-level one-hot encoding over string.printable (DLwP listing 6-2)",
    seed="001_07b7324716c42e53.txt",
    where="6.1 텍스트 데이터 다루기 – 1. 단어와 문자의 원-핫 인코딩 (string.printable)",
    function="one_hot_chars",
    reference=one_hot_chars,
    cases=cases,
    examples=examples,
    compare=compare,
)
