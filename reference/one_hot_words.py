"""``one_hot_words``: word-level one-hot encoding, ``one_hot_words(samples, max_length=10)``.

Seed: ``001_07b7324716c42e53.txt``, 6.1 "1. 단어와 문자의 원-핫 인코딩". The seed prints only the resulting index,
``{'The': 1, 'cat': 2, 'sat': 3, 'on': 4, 'the': 5, 'mat.': 6, 'dog': 7, 'ate': 8, 'my': 9, 'homework.': 10}``, of
DLwP listing 6-1, whose semantics are graded here: words are ``sample.split()`` (case and punctuation kept, so 'The'
and 'the' differ), numbered from 1 in order of first appearance over all samples; the result is
``np.zeros((len(samples), max_length, max(token_index.values()) + 1))`` with ``results[i, j, token_index[word]] = 1``
for the first ``max_length`` words of each sample (index 0 is never used). For the seed's two samples: (2, 10, 11).

Graded: shape, then values (any numeric dtype: 0/1 as float, int or bool).
"""

import numpy as np

from harness.catalog import Case, FunctionAssignment
from reference._common import NUMERIC, as_array, compare_arrays, draw

SAMPLES = ["The cat sat on the mat.", "The dog ate my homework."]
WORDS = ["the", "The", "cat", "dog", "sat", "ate", "on", "my", "mat.", "homework.", "a", "big", "red", "ball", "ran"]


def one_hot_words(samples, max_length=10):
    token_index = {}
    for sample in samples:
        for word in sample.split():
            if word not in token_index:
                token_index[word] = len(token_index) + 1
    results = np.zeros(shape=(len(samples), max_length, max(token_index.values()) + 1))
    for i, sample in enumerate(samples):
        for j, word in list(enumerate(sample.split()))[:max_length]:
            index = token_index.get(word)
            results[i, j, index] = 1.0
    return results


def cases() -> list[Case]:
    return [
        Case(args=(list(SAMPLES),), label="the seed's two samples, default max_length 10"),
        Case(args=(list(SAMPLES),), kwargs={"max_length": 3}, label="the seed's samples cut to 3 words"),
        Case(args=(list(SAMPLES), 6), label="the seed's samples, max_length 6 (positional)"),
        Case(args=(["the the the cat", "cat"],), kwargs={"max_length": 5}, label="repeated words"),
        Case(args=(["one", "two words", "three words here", "a b c d e f g h i j k l"],), kwargs={"max_length": 12},
             label="four samples of different lengths"),
        Case(args=(["Hello, world!  Hello again."],), kwargs={"max_length": 4},
             label="punctuation stays part of the word, runs of spaces are one separator"),
    ]


def examples() -> list[Case]:
    from hypothesis import strategies as st

    sentence = st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(" ".join)
    strategy = st.tuples(st.lists(sentence, min_size=1, max_size=4), st.integers(1, 12))
    return [Case(args=(samples,), kwargs={"max_length": max_length}, label=f"{len(samples)} samples, max_length "
                 f"{max_length}") for samples, max_length in draw(strategy, 15)]


def depth_hint(expected, actual, index_start: str) -> str | None:
    """A sentence for a last axis one short or one long (an index that does not start at 1)."""
    act, _ = as_array(actual)
    exp = np.asarray(expected)
    if act is not None and act.ndim == exp.ndim == 3 and act.shape[:2] == exp.shape[:2] \
            and abs(act.shape[2] - exp.shape[2]) == 1:
        return (f"the result has shape {act.shape}; expected {exp.shape}: {index_start}, so the last axis is "
                f"max(token_index.values()) + 1 long and index 0 stays unused.")
    return None


def compare(case: Case, expected, actual) -> str | None:
    message = compare_arrays(expected, actual, what="the result", kinds=NUMERIC)
    if message and "shape" in message:
        return depth_hint(expected, actual, "token_index starts at 1 (len(token_index) + 1)") or message
    return message


ASSIGNMENT = FunctionAssignment(
    id="one_hot_words",
    title="Word-level one-hot encoding (DLwP listing 6-1)",
    seed="001_07b7324716c42e53.txt",
    where="6.1 텍스트 데이터 다루기 – 1. 단어와 문자의 원-핫 인코딩",
    function="one_hot_words",
    reference=one_hot_words,
    cases=cases,
    examples=examples,
    compare=compare,
)
