# 6.1.1 원-핫 해싱 (토큰 수가 너무 많을 때). 단점: 해시 충돌
import numpy as np


def one_hot_hashing(samples, dimensionality=1000, max_length=10):
    # 단어를 크기가 1,000인 벡터로 저장, 1,000개 이상 단어가 있다면 해싱 충돌이 늘어남
    results = np.zeros((len(samples), max_length, dimensionality))
    for i, sample in enumerate(samples):
        for j, word in list(enumerate(sample.split()))[:max_length]:
            # 단어를 해싱하여 0과 1,000 사이의 랜덤한 정수 인덱스로 변환
            index = abs(hash(word)) % dimensionality
            results[i, j, index] = 1.
    return results


samples = ['The cat sat on the mat.', 'The dog ate my homework.']
print(one_hot_hashing(samples).shape)
