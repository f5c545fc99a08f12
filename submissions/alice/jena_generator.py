# 6.3 시계열 데이터와 타겟을 반환하는 제너레이터 함수
#   data: 정규화된 원본 배열, lookback: 참조할 이전 타임스텝, delay: 타겟으로 사용할 미래 타임스텝
#   min_index / max_index: 추출할 범위, shuffle: 셔플 여부, batch_size, step: 샘플링 간격 (6 = 1시간)
import numpy as np


def generator(data, lookback, delay, min_index, max_index,
              shuffle=False, batch_size=128, step=6):
    if max_index is None:
        max_index = len(data) - delay - 1
    i = min_index + lookback
    while 1:
        if shuffle:
            rows = np.random.randint(
                min_index + lookback, max_index, size=batch_size)
        else:
            if i + batch_size >= max_index:
                i = min_index + lookback
            rows = np.arange(i, min(i + batch_size, max_index))
            i += len(rows)

        samples = np.zeros((len(rows),
                            lookback // step,
                            data.shape[-1]))
        targets = np.zeros((len(rows),))
        for j, row in enumerate(rows):
            indices = range(rows[j] - lookback, rows[j], step)
            samples[j] = data[indices]
            targets[j] = data[rows[j] + delay][1]
        yield samples, targets
