# [instructor note] bob mistake: WRONG DEFAULT - max_length=100 instead of the listing's 50,
# so one_hot_chars(samples) returns shape (2, 100, 101) instead of (2, 50, 101).
import string

import numpy as np


def one_hot_chars(samples, max_length=100):
    characters = string.printable
    token_index = dict(zip(characters, range(1, len(characters) + 1)))

    results = np.zeros((len(samples), max_length, max(token_index.values()) + 1))
    for i, sample in enumerate(samples):
        for j, character in enumerate(sample):
            index = token_index.get(character)
            results[i, j, index] = 1.
    return results
