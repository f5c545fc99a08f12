# 악보 학습 - 입력 속성이 여러 개인 LSTM
# 'c4' -> (음정, 음길이) 두 개의 속성으로 나누기
from common import code2length, code2scale, max_scale_value


def code2features(code):
    features = []
    features.append(code2scale[code[0]] / float(max_scale_value))
    features.append(code2length[code[1]])
    return features


# 확인용
print(code2features('g8'))  # [0.666..., 1]
