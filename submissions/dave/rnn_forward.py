# 넘파이로 구현한 간단한 RNN (케라스 창시자에게 배우는 딥러닝 6.2.1)
import numpy as np

timesteps = 100       # 입력 시퀀스에 있는 타임스텝의 수
input_features = 32   # 입력 특성의 차원
output_features = 64  # 출력 특성의 차원

inputs = np.random.random((timesteps, input_features))  # 입력 데이터: 예제를 위해 생성한 난수

state_t = np.zeros((output_features,))  # 초기 상태: 모두 0인 벡터

W = np.random.random((output_features, input_features))
U = np.random.random((output_features, output_features))
b = np.random.random((output_features,))

successive_outputs = []
for input_t in inputs:
    output_t = np.tanh(np.dot(W, input_t) + np.dot(U, state_t) + b)
    successive_outputs.append(output_t)
    state_t = output_t

final_output_sequence = np.stack(successive_outputs, axis=0)
print(final_output_sequence.shape)
