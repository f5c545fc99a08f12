# 악보 학습 - 데이터셋 생성 함수
# 시퀀스를 window_size 크기로 잘라서 code2idx 로 숫자로 바꿈
import numpy as np

from common import code2idx, seq


def seq2dataset(seq, window_size):
    dataset = []
    for i in range(len(seq) - window_size):
        subset = seq[i:(i + window_size + 1)]
        dataset.append([code2idx[item] for item in subset])
    return np.array(dataset)


dataset = seq2dataset(seq, window_size=4)
print(dataset.shape)  # (50, 5)
