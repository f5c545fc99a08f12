"""``imdb_glove_mlp``: the DLwP 6.1.3 model on raw IMDB text: Embedding(10000, 100) on 100 words, Flatten, Dense 32, 1.

Seed: ``001_07b7324716c42e53.txt``, 6.1 "3. 모든 내용 적용 : 원본텍스트에서 단어 임베딩까지 – c. 모델 정의하기"
(DLwP listing 6-11). max_words 10000, embedding_dim 100, maxlen 100. Summary printed there: Embedding
(None, 100, 100) 1,000,000 · Flatten (None, 10000) 0 · Dense (None, 32) 320,032 · Dense (None, 1) 33 · total
1,320,065.

Training: the seed first loads GloVe (glove.6B.100d) into the frozen Embedding and trains on 200 samples, printing
no accuracy; GloVe is not available offline. It then retrains without pretrained embeddings on 2,000 samples
("f. 결과 개선 시도", RMSprop, binary cross-entropy, 10 epochs, batch 32, 10,000 validation samples) and that log ends at
``val_acc: 0.7046``: that run is the recipe here (``source: raw_text``, the aclImdb reviews through ``Tokenizer``).

Seed typos: the GloVe loop fills ``embedding_index`` but the dict is ``embeddings_index`` (NameError as printed);
"g. 테스트 데이터 토큰화" reads ``train_dir`` again instead of ``test_dir``, so its ``[1.66, 0.50412]`` evaluation is
not a test score.
"""

from __future__ import annotations

from harness.catalog import LayerFigure, ModelAssignment, Recipe, Training
from harness.catalog.lazy import keras, layers
from reference._models import softmax_on_one_unit

DATA = {"source": "raw_text", "num_words": 10000, "maxlen": 100, "train_limit": 2000, "validation_limit": 10000}


def build() -> keras.Model:
    return keras.Sequential(
        [
            keras.Input((100,), dtype="int32"),
            layers.Embedding(10000, 100),
            layers.Flatten(),
            layers.Dense(32, activation="relu"),
            layers.Dense(1, activation="sigmoid"),
        ]
    )


ASSIGNMENT = ModelAssignment(
    id="imdb_glove_mlp",
    title="Raw IMDB text: Embedding(10000, 100) + Flatten + Dense(32) + sigmoid (the GloVe model)",
    seed="001_07b7324716c42e53.txt",
    where="6.1 모든 내용 적용 : 원본텍스트에서 단어 임베딩까지 – c. 모델 정의하기 (Model: \"sequential_1\")",
    build=build,
    batch_shape=(None, 100),
    input_dtype="int32",
    figures=(
        LayerFigure("Embedding", (None, 100, 100), 1_000_000),
        LayerFigure("Flatten", (None, 10000), 0),
        LayerFigure("Dense", (None, 32), 320_032),
        LayerFigure("Dense", (None, 1), 33),
    ),
    total_params=1_320_065,
    broken=(softmax_on_one_unit(build),),
    training=Training(
        dataset="imdb",
        full=Recipe(optimizer="rmsprop", loss="binary_crossentropy", epochs=10, batch_size=32,
                    data=dict(DATA), time_budget_s=300.0),
        quick=Recipe(optimizer="rmsprop", loss="binary_crossentropy", epochs=3, batch_size=32,
                     data={**DATA, "validation_limit": 2000}, time_budget_s=300.0),
        seed_figure=0.7046,
    ),
)
