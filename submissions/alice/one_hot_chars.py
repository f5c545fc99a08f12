# 6.1.1 문자 수준 원-핫 인코딩 (케라스 창시자에게 배우는 딥러닝)
import string

import numpy as np


def one_hot_chars(samples, max_length=50):
    characters = string.printable  # 출력 가능한 모든 아스키 문자
    token_index = dict(zip(characters, range(1, len(characters) + 1)))

    results = np.zeros((len(samples), max_length, max(token_index.values()) + 1))
    for i, sample in enumerate(samples):
        for j, character in enumerate(sample):
            index = token_index.get(character)
            results[i, j, index] = 1.
    return results


if __name__ == '__main__':
    samples = ['The cat sat on the mat.', 'The dog ate my homework.']
    print(one_hot_chars(samples).shape)  # (2, 50, 101)
