"""``one_hot_hashing``: word-level one-hot hashing, ``one_hot_hashing(samples, dimensionality=1000, max_length=10)``.

Seed: ``001_07b7324716c42e53.txt``, 6.1 "원-핫 해싱(hashing)" (DLwP listing 6-4): ``results = np.zeros((len(samples),
max_length, dimensionality))``; for the first ``max_length`` words of ``sample.split()``, ``index = abs(hash(word)) %
dimensionality`` and ``results[i, j, index] = 1``. The seed prints ``(2, 1000, 1000)`` and a column of ``hash()``
values.

Seed inconsistency: the seed sets ``max_length = 1000`` (DLwP uses 10, which is this assignment's default).

Python salts ``hash()`` per process (PYTHONHASHSEED), so the student's indices cannot equal the grader's. ``compare``
therefore checks properties, not values: the shape (len(samples), max_length, dimensionality); only 0 and 1; exactly
one 1 at each position holding a word (the first max_length words); all zeros past the end of a sample; and the same
word always at the same index within one call (across positions and samples). Any deterministic hash passes.
"""

import numpy as np

from harness.catalog import Case, FunctionAssignment
from reference._common import arg, as_array, draw
from reference.one_hot_words import SAMPLES, WORDS


def one_hot_hashing(samples, dimensionality=1000, max_length=10):
    results = np.zeros((len(samples), max_length, dimensionality))
    for i, sample in enumerate(samples):
        for j, word in list(enumerate(sample.split()))[:max_length]:
            index = abs(hash(word)) % dimensionality
            results[i, j, index] = 1.0
    return results


def cases() -> list[Case]:
    return [
        Case(args=(list(SAMPLES),), label="the seed's two samples, defaults (dimensionality 1000, max_length 10)"),
        Case(args=(list(SAMPLES),), kwargs={"dimensionality": 1000, "max_length": 1000},
             label="the seed's own settings: max_length 1000"),
        Case(args=(list(SAMPLES), 50, 4), label="dimensionality 50, max_length 4 (positional): words cut off"),
        Case(args=(["the cat and the hat", "the end", ""],), kwargs={"dimensionality": 16, "max_length": 6},
             label="repeated words and an empty sample, 16 buckets"),
        Case(args=(["a b c d e f g h i j k l m n o p"],), kwargs={"dimensionality": 4, "max_length": 12},
             label="more words than buckets (collisions are allowed)"),
    ]


def examples() -> list[Case]:
    from hypothesis import strategies as st

    sentence = st.lists(st.sampled_from(WORDS), min_size=0, max_size=12).map(" ".join)
    strategy = st.tuples(st.lists(sentence, min_size=1, max_size=4), st.sampled_from([2, 7, 64, 1000]),
                         st.integers(1, 12))
    return [Case(args=(samples,), kwargs={"dimensionality": dim, "max_length": max_length},
                 label=f"{len(samples)} samples, dimensionality {dim}, max_length {max_length}")
            for samples, dim, max_length in draw(strategy, 15)]


def compare(case: Case, expected, actual) -> str | None:
    samples = arg(case, 0, "samples")
    dimensionality = arg(case, 1, "dimensionality", 1000)
    max_length = arg(case, 2, "max_length", 10)
    act, problem = as_array(actual)
    if problem:
        return problem
    shape = (len(samples), max_length, dimensionality)
    if act.shape != shape:
        return f"the result has shape {act.shape}; expected (len(samples), max_length, dimensionality) = {shape}."
    if act.dtype.kind not in "biuf":
        return f"the result has dtype {act.dtype}; expected a numeric 0/1 array."
    values = act.astype(np.float64)
    odd = np.argwhere((values != 0) & (values != 1))
    if len(odd):
        where = tuple(int(i) for i in odd[0])
        return f"the result holds {values[where]:g} at {list(where)}; a one-hot array holds only 0 and 1."
    seen: dict[str, tuple[int, tuple[int, int]]] = {}
    for i, sample in enumerate(samples):
        words = sample.split()
        for j in range(max_length):
            row = values[i, j]
            ones = int(row.sum())
            if j >= len(words):
                if ones:
                    return (f"position [{i}, {j}] is past the end of sample {i} ({len(words)} words) but holds "
                            f"{ones} one(s); it must stay all zero.")
                continue
            if ones != 1:
                return f"position [{i}, {j}] (word {words[j]!r}) holds {ones} ones; expected exactly one."
            index = int(np.argmax(row))
            first = seen.setdefault(words[j], (index, (i, j)))
            if first[0] != index:
                return (f"the word {words[j]!r} is at index {first[0]} at {list(first[1])} but at index {index} at "
                        f"[{i}, {j}]; the same word must always hash to the same index.")
    return None


ASSIGNMENT = FunctionAssignment(
    id="one_hot_hashing",
    title="Word-level one-hot hashing (DLwP listing 6-4)",
    seed="001_07b7324716c42e53.txt",
    where="6.1 텍스트 데이터 다루기 – 원-핫 해싱(hashing)",
    function="one_hot_hashing",
    reference=one_hot_hashing,
    cases=cases,
    examples=examples,
    compare=compare,
)
