"""``song_features``: ``code2features(code)`` turns a note code into two features, [scale / 6.0, length].

Seed: ``002_4bf1caa6172d06f5.txt``, "입력 속성이 여러 개인 모델 구성" (also 003 "LSTM 4." as ``note2features`` and 000
"악보 학습 – 입력 속성이 여러 개인 LSTM", lines 19-23): ``code2scale = {'c': 0, 'd': 1, 'e': 2, 'f': 3, 'g': 4, 'a': 5,
'b': 6}`` divided by ``max_scale_value = 6.0``, and ``code2length = {'4': 0, '8': 1}``. 000 prints the first features
of the song: ``[0.6666666666666666, 1]`` for 'g8' (g → 4, 4/6; 8 → 1), ``[0.3333333333333333, 1]`` for 'e8',
``[0.3333333333333333, 0]`` for 'e4'.

Graded: the two numbers (any numeric dtype, to 1e-9).
"""

import numpy as np

from harness.catalog import Case, FunctionAssignment
from harness.song import CODE2IDX, CODE2LENGTH, CODE2SCALE, MAX_SCALE_VALUE
from reference._common import arg, as_array, compare_arrays, draw


def code2features(code):
    features = []
    features.append(CODE2SCALE[code[0]] / float(MAX_SCALE_VALUE))
    features.append(CODE2LENGTH[code[1]])
    return features


def cases() -> list[Case]:
    return [Case(args=(code,), label=code) for code in CODE2IDX]


def examples() -> list[Case]:
    from hypothesis import strategies as st

    return [Case(args=(code,), label=code) for code in draw(st.sampled_from(sorted(CODE2IDX)), 10)]


def compare(case: Case, expected, actual) -> str | None:
    code = arg(case, 0, "code")
    message = compare_arrays(expected, actual, what=f"code2features({code!r})", atol=1e-9, rtol=0, kinds="iuf")
    if message is None:
        return None
    act, _ = as_array(actual)
    if act is not None and act.shape == (2,):
        scale, length = CODE2SCALE[code[0]], CODE2LENGTH[code[1]]
        if np.isclose(act[1], 1 - length) and np.isclose(act[0], scale / MAX_SCALE_VALUE):
            return (f"code2features({code!r}) gives length {act[1]:g}; the seeds map '4' (quarter note) to 0 "
                    f"and '8' (eighth note) to 1.")
        wrong_scale = not np.isclose(act[0], scale / MAX_SCALE_VALUE)
        if wrong_scale and (np.isclose(act[0], scale) or np.isclose(act[0], scale / 7.0)):
            return (f"code2features({code!r}) gives scale {act[0]:.6g}; the seeds divide the scale step "
                    f"({code[0]!r} → {scale}) by max_scale_value 6.0, giving {scale / 6.0:.6g}.")
    return message


ASSIGNMENT = FunctionAssignment(
    id="song_features",
    title="Two features per note: scale / 6 and length (code2features)",
    seed="002_4bf1caa6172d06f5.txt",
    where="입력 속성이 여러 개인 모델 구성 (also 003 LSTM 4. note2features, 000 속성 변환 함수)",
    function="code2features",
    reference=code2features,
    cases=cases,
    examples=examples,
    compare=compare,
)
