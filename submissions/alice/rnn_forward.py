# 6.2 간단한 RNN의 정방향 계산을 넘파이로 구현
import numpy as np


def rnn_forward(inputs, W, U, b):
    """inputs: (timesteps, input_features), W: (output_features, input_features),
    U: (output_features, output_features), b: (output_features,)"""
    output_features = W.shape[0]
    state_t = np.zeros((output_features,))  # 초기 상태: 0 벡터

    successive_outputs = []
    for input_t in inputs:
        # 입력과 현재 상태(이전 출력)를 연결하여 현재 출력을 얻음
        output_t = np.tanh(np.dot(W, input_t) + np.dot(U, state_t) + b)
        successive_outputs.append(output_t)
        state_t = output_t  # 다음 타임스텝을 위해 네트워크 상태 업데이트

    final_output_sequence = np.stack(successive_outputs, axis=0)
    return final_output_sequence


if __name__ == "__main__":
    timesteps = 100
    input_features = 32
    output_features = 64
    inputs = np.random.random((timesteps, input_features))
    W = np.random.random((output_features, input_features))
    U = np.random.random((output_features, output_features))
    b = np.random.random((output_features,))
    print(rnn_forward(inputs, W, U, b).shape)  # (100, 64)
