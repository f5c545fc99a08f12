"""Dataset loaders against the project's real offline data (``../shared/datasets``) and Keras' own logic.

Skipped (with the reason) where the shared data is absent; ``GRADER_SHARED_DATASETS`` overrides its place.
The Jena loader is tested on a real weather series that a package ships (``vega_datasets``' hourly Seattle
temperatures) written in the Jena CSV layout.
"""

from __future__ import annotations

import os
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from harness import datasets
from harness.datasets import DatasetMissing, Ragged, data_dirs_from, find_file, load
from harness.datasets import jena as jena_mod
from harness.datasets import text as text_mod

SHARED = Path(os.environ.get("GRADER_SHARED_DATASETS")
              or Path(__file__).resolve().parents[1].parent / "shared" / "datasets")
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"shared datasets not found at {SHARED}")

# Published keras.datasets.imdb.load_data(num_words=10000) x_train[0] (TF tutorials and many notebooks).
IMDB_X_TRAIN_0 = [
    1, 14, 22, 16, 43, 530, 973, 1622, 1385, 65, 458, 4468, 66, 3941, 4, 173, 36, 256, 5, 25, 100, 43, 838, 112,
    50, 670, 2, 9, 35, 480, 284, 5, 150, 4, 172, 112, 167, 2, 336, 385, 39, 4, 172, 4536, 1111, 17, 546, 38, 13,
    447, 4, 192, 50, 16, 6, 147, 2025, 19, 14, 22, 4, 1920, 4613, 469, 4, 22, 71, 87, 12, 16, 43, 530, 38, 76,
    15, 13, 1247, 4, 22, 17, 515, 17, 12, 16, 626, 18, 2, 5, 62, 386, 12, 8, 316, 8, 106, 5, 4, 2223, 5244, 16,
    480, 66, 3785, 33, 4, 130, 12, 16, 38, 619, 5, 25, 124, 51, 36, 135, 48, 25, 1415, 33, 6, 22, 12, 215, 28,
    77, 52, 5, 14, 407, 16, 82, 2, 8, 4, 107, 117, 5952, 15, 256, 4, 2, 7, 3766, 5, 723, 36, 71, 43, 530, 476,
    26, 400, 317, 46, 7, 4, 2, 1029, 13, 104, 88, 4, 381, 15, 297, 98, 32, 2071, 56, 26, 141, 6, 194, 7486, 18,
    4, 226, 22, 21, 134, 476, 26, 480, 5, 144, 30, 5535, 18, 51, 36, 28, 224, 92, 25, 104, 4, 226, 65, 16, 38,
    1334, 88, 12, 16, 283, 5, 16, 4472, 113, 103, 32, 15, 16, 5345, 19, 178, 32,
]  # fmt: skip
# load_data(num_words=5000): x_train[1] (start) and x_test[0] (whole).
IMDB_X_TRAIN_1_NW5000 = [1, 194, 1153, 194, 2, 78, 228, 5, 6, 1463, 4369, 2, 134, 26, 4, 715, 8, 118, 1634, 14,
                         394, 20, 13, 119, 954]
IMDB_X_TEST_0_NW5000 = [
    1, 591, 202, 14, 31, 6, 717, 10, 10, 2, 2, 5, 4, 360, 7, 4, 177, 2, 394, 354, 4, 123, 9, 1035, 1035, 1035, 10,
    10, 13, 92, 124, 89, 488, 2, 100, 28, 1668, 14, 31, 23, 27, 2, 29, 220, 468, 8, 124, 14, 286, 170, 8, 157,
    46, 5, 27, 239, 16, 179, 2, 38, 32, 25, 2, 451, 202, 14, 6, 717,
]  # fmt: skip


@pytest.fixture(scope="session")
def grader_cache(tmp_path_factory):
    """One cache for the session (the IMDB encoding is built once), kept out of the user's ~/.cache."""
    path = tmp_path_factory.mktemp("grader-cache")
    old = os.environ.get("GRADER_CACHE")
    os.environ["GRADER_CACHE"] = str(path)
    yield path
    if old is None:
        os.environ.pop("GRADER_CACHE", None)
    else:
        os.environ["GRADER_CACHE"] = old


@pytest.fixture()
def empty_home(tmp_path, monkeypatch):
    """No ~/.keras/datasets and no $KERAS_HOME: only the dirs a test passes are searched."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.delenv("GRADER_DATA", raising=False)
    return home


@pytest.fixture(scope="session")
def imdb_timed(grader_cache):
    """First load (encodes the raw reviews) and second load (cache) of IMDB, timed."""
    if not SHARED.is_dir():
        pytest.skip(f"shared datasets not found at {SHARED}")
    t = time.perf_counter()
    first = load("imdb", {"num_words": 10000}, [SHARED])
    t_first = time.perf_counter() - t
    t = time.perf_counter()
    second = load("imdb", {"num_words": 10000}, [SHARED])
    t_second = time.perf_counter() - t
    print(f"\nimdb first load {t_first:.2f}s (cache built: {not first.info.extra['cache_hit']}), "
          f"second {t_second:.2f}s (cache hit: {second.info.extra['cache_hit']})")
    return first, second, t_first, t_second


# ------------------------------------------------------------------------------------------- search, errors


def test_data_dirs_from_cli_and_env(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    dirs = data_dirs_from([f"{a}{os.pathsep}{b}"], {"GRADER_DATA": str(c)})
    assert dirs == [a, b, c]
    assert data_dirs_from(None, {}) == []


def test_search_order(tmp_path, empty_home, monkeypatch):
    keras_home = tmp_path / "kh"
    (keras_home / "datasets").mkdir(parents=True)
    (keras_home / "datasets" / "mnist.npz").write_bytes(b"x")
    assert find_file(["mnist.npz"], [], ["mnist"]) is None
    monkeypatch.setenv("KERAS_HOME", str(keras_home))
    assert find_file(["mnist.npz"], [], ["mnist"]) == keras_home / "datasets" / "mnist.npz"
    mine = tmp_path / "mine" / "mnist"
    mine.mkdir(parents=True)
    (mine / "mnist.npz").write_bytes(b"y")
    # --data-dir first, and its dataset-named subfolder counts
    assert find_file(["mnist.npz"], [tmp_path / "mine"], ["mnist"]) == mine / "mnist.npz"
    (empty_home / ".keras" / "datasets").mkdir(parents=True)
    (empty_home / ".keras" / "datasets" / "other.npz").write_bytes(b"z")
    assert find_file(["other.npz"], [], []) == empty_home / ".keras" / "datasets" / "other.npz"


@pytest.mark.parametrize("dataset_id, needle", [
    ("imdb", "imdb.npz"), ("reuters", "reuters.npz"), ("mnist", "mnist.npz"), ("jena", "jena_climate_2009_2016.csv"),
])
def test_missing_data_says_where_in_one_line(dataset_id, needle, tmp_path, empty_home):
    with pytest.raises(DatasetMissing) as err:
        load(dataset_id, {}, [tmp_path])
    message = str(err.value)
    assert "\n" not in message and message.startswith(f"{dataset_id}: put ")
    assert needle in message and "--data-dir" in message and "~/.keras/datasets" in message


def test_unknown_id_and_option():
    with pytest.raises(KeyError, match="known: imdb"):
        load("cifar", {}, [])
    with pytest.raises(ValueError, match="unknown option"):
        load("song", {"nmu_words": 3}, [])


# ------------------------------------------------------------------------------------------- ragged / padding


def test_ragged_pad_equals_keras_pad_sequences():
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(0)
    seqs = [rng.integers(1, 50, size=int(n)).tolist() for n in rng.integers(0, 12, size=40)]
    r = Ragged.from_sequences(seqs)
    for padding in ("pre", "post"):
        for truncating in ("pre", "post"):
            for maxlen in (5, 15, None):
                ours = r.pad(maxlen, padding=padding, truncating=truncating)
                theirs = keras.utils.pad_sequences(seqs, maxlen=maxlen, padding=padding, truncating=truncating)
                np.testing.assert_array_equal(ours, theirs)
    assert [list(x) for x in r.take(np.array([3, 0])).to_object()] == [seqs[3], seqs[0]]
    kept = r.keep(r.flat % 2 == 0)
    assert [list(x) for x in kept.to_object()] == [[v for v in s if v % 2 == 0] for s in seqs]


# ------------------------------------------------------------------------------------------- IMDB


@needs_shared
def test_imdb_rebuild_matches_published_keras_sequences(imdb_timed):
    ds, second, t_first, t_second = imdb_timed
    assert ds.info.extra["variant"] == "rebuilt-from-raw"
    assert len(ds.x_train) == len(ds.x_test) == 25000
    assert list(ds.x_train[0]) == IMDB_X_TRAIN_0
    assert ds.y_train[:10].tolist() == [1, 0, 0, 1, 0, 0, 1, 0, 1, 0]
    assert max(int(x.max()) for x in ds.x_train) == 9999
    assert np.bincount(ds.y_train).tolist() == [12500, 12500]
    assert second.info.extra["cache_hit"] and t_second < max(2.0, t_first / 3)
    nw5000 = load("imdb", {"num_words": 5000}, [SHARED])
    assert list(nw5000.x_train[1][: len(IMDB_X_TRAIN_1_NW5000)]) == IMDB_X_TRAIN_1_NW5000
    assert list(nw5000.x_test[0]) == IMDB_X_TEST_0_NW5000
    assert nw5000.y_test[0] == 0


@needs_shared
def test_imdb_lengths_equal_keras(imdb_timed):
    full = load("imdb", {}, [SHARED])
    # Keras' figures: mean review length 238.71364 (train) and 230.8042 (test) tokens incl. the start mark
    assert sum(len(x) for x in full.x_train) == 5967841
    assert sum(len(x) for x in full.x_test) == 5770105
    assert max(len(x) for x in full.x_train) == 2494


@needs_shared
def test_imdb_options_pad_and_limit(imdb_timed):
    keras = pytest.importorskip("keras")
    ds = load("imdb", {"num_words": 10000, "maxlen": 500, "train_limit": 1000, "test_limit": 300}, [SHARED])
    assert ds.x_train.shape == (1000, 500) and ds.x_test.shape == (300, 500) and ds.x_train.dtype == np.int32
    assert ds.y_train.shape == (1000,) and ds.y_test.shape == (300,)
    full = imdb_timed[0]
    np.testing.assert_array_equal(ds.x_train, keras.utils.pad_sequences(list(full.x_train[:1000]), maxlen=500))
    assert ds.x_train[0, -len(IMDB_X_TRAIN_0):].tolist() == IMDB_X_TRAIN_0


@needs_shared
def test_imdb_logic_equals_keras_load_data(imdb_timed, tmp_path, monkeypatch, empty_home):
    """Our vectorised load_data logic vs Keras 3's own code on the same (small) imdb.npz."""
    keras_imdb = pytest.importorskip("keras.src.datasets.imdb")
    cached = np.load(imdb_timed[0].info.extra["cache"])
    tr, te = Ragged(cached["train_flat"], cached["train_offsets"]), Ragged(cached["test_flat"], cached["test_offsets"])
    pick_tr, pick_te = np.arange(0, 25000, 25), np.arange(7, 25000, 31)
    obj = {}
    for name, r, pick, labels in (("train", tr, pick_tr, cached["train_labels"]),
                                  ("test", te, pick_te, cached["test_labels"])):
        obj[f"x_{name}"] = np.empty(len(pick), dtype=object)
        for i, seq in enumerate(r.take(pick).to_object()):
            obj[f"x_{name}"][i] = seq.tolist()
        obj[f"y_{name}"] = labels[pick]
    npz = tmp_path / "imdb.npz"
    np.savez(npz, **obj)
    monkeypatch.setattr(keras_imdb, "get_file", lambda *a, **k: str(npz))
    for opts in ({}, {"num_words": 1000}, {"num_words": 500, "skip_top": 20, "keras_maxlen": 300}):
        kw = {"maxlen" if k == "keras_maxlen" else k: v for k, v in opts.items()}
        (kx, ky), (kxt, kyt) = keras_imdb.load_data(**kw)
        ours = load("imdb", {**opts, "source": "npz"}, [tmp_path])
        assert ours.info.extra["variant"] == "imdb.npz (unverified hash)"
        assert [list(x) for x in ours.x_train] == list(kx) and ours.y_train.tolist() == ky.tolist()
        assert [list(x) for x in ours.x_test] == list(kxt) and ours.y_test.tolist() == kyt.tolist()


@needs_shared
def test_imdb_reverse_and_raw_text(imdb_timed):
    rev = load("imdb", {"num_words": 10000, "maxlen": 500, "reverse": True, "train_limit": 2}, [SHARED])
    assert rev.x_train[0, -len(IMDB_X_TRAIN_0):].tolist() == IMDB_X_TRAIN_0[::-1]  # reversed, then padded
    assert rev.x_train[0, : 500 - len(IMDB_X_TRAIN_0)].sum() == 0
    opts = {"source": "raw_text", "num_words": 10000, "maxlen": 100, "train_limit": 200, "validation_limit": 10000}
    ds = load("imdb", opts, [SHARED])  # DLwP 6.1.3 / seed 001
    assert ds.info.extra["vocabulary_size"] == 88582  # the book: "Found 88582 unique tokens."
    assert ds.x_train.shape == (200, 100) and ds.x_val.shape == (10000, 100) and ds.x_test.shape == (25000, 100)
    assert ds.y_val.shape == (10000,) and 0 < int(ds.x_train.max()) < 10000
    assert abs(ds.y_test.mean() - 0.5) < 1e-9 and 0.4 < ds.y_val.mean() < 0.6


def test_imdb_tokenizer_details():
    wi = {"the": 1, "br": 7, "it's": 42, "ángela": 5, "estevÃo": 9, "most\x85and": 11, "7": 3, "10": 4}
    assert text_mod.tokenize_review("The <br /><br />It's 7/10") == ["the", "br", "br", "it's", "7", "10"]
    assert text_mod.encode_review("ESTEVÃO Ángela most\x85and the", wi) == [9, 11, 1]  # only A-Z lower-cased


# ------------------------------------------------------------------------------------------- Reuters


@needs_shared
def test_reuters_facts_from_provenance():
    ds = load("reuters", {}, [SHARED])
    assert ds.info.extra["variant"] == "project-rebuild"
    assert (len(ds.x_train), len(ds.x_test)) == (8982, 2246)
    assert list(ds.x_train[0][:7]) == [1, 27595, 28842, 8, 43, 10, 447]
    assert ds.y_train[0] == 3 and ds.y_train[10] == 3
    assert np.bincount(ds.y_train)[:5].tolist() == [55, 432, 74, 3159, 1949]
    assert max(len(x) for x in ds.x_train) == 2376
    nw = load("reuters", {"num_words": 10000}, [SHARED])
    assert list(nw.x_train[0][:8]) == [1, 2, 2, 8, 43, 10, 447, 5]
    seeds = load("reuters", {"num_words": 1000, "maxlen": 100, "one_hot": True}, [SHARED])  # seed 000/004 recipe
    assert seeds.x_train.shape == (8982, 100) and seeds.y_train.shape == (8982, 46) and seeds.y_test.shape == (2246, 46)
    assert int(seeds.x_train.max()) == 999
    topics = text_mod.topic_names(ds.info.extra["reuters_topics"])
    assert len(topics) == 46 and topics[3] == "earn"


@needs_shared
def test_reuters_logic_equals_keras_load_data(monkeypatch):
    keras_reuters = pytest.importorskip("keras.src.datasets.reuters")
    monkeypatch.setattr(keras_reuters, "get_file", lambda *a, **k: str(SHARED / "reuters" / "reuters.npz"))
    for opts in ({}, {"num_words": 1000}, {"num_words": 2000, "skip_top": 10, "test_split": 0.3}):
        (kx, ky), (kxt, kyt) = keras_reuters.load_data(**opts)
        ours = load("reuters", opts, [SHARED])
        assert [list(x) for x in ours.x_train] == list(kx) and ours.y_train.tolist() == ky.tolist()
        assert [list(x) for x in ours.x_test] == list(kxt) and ours.y_test.tolist() == kyt.tolist()


# ------------------------------------------------------------------------------------------- MNIST


@needs_shared
def test_mnist_layouts():
    raw = load("mnist", {}, [SHARED])
    assert raw.x_train.shape == (10000, 28, 28) and raw.x_train.dtype == np.uint8
    assert raw.x_test.shape == (10000, 28, 28) and raw.y_test.shape == (10000,)
    assert int(raw.x_train[0].sum()) == 27525 and raw.y_train[0] == 5
    assert raw.x_train[0][5].tolist()[12:20] == [3, 18, 18, 18, 126, 136, 175, 26]
    assert raw.info.extra["variant"].startswith("project-subset")
    flat = load("mnist", {"layout": "flat", "one_hot": True}, [SHARED])  # seed 004's MLP
    assert flat.x_train.shape == (10000, 784) and flat.x_train.dtype == np.float32
    assert float(flat.x_train.max()) == 1.0 and flat.y_train.shape == (10000, 10)
    np.testing.assert_allclose(flat.x_train[0], raw.x_train[0].reshape(784) / 255, rtol=1e-6)
    image = load("mnist", {"layout": "image", "train_limit": 100, "test_limit": 50}, [SHARED])  # the CNN
    assert image.x_train.shape == (100, 28, 28, 1) and image.x_test.shape == (50, 28, 28, 1)
    assert load("mnist", {"flatten": True, "train_limit": 5}, [SHARED]).x_train.shape == (5, 784)
    assert load("mnist", {"channels": 1, "train_limit": 5}, [SHARED]).x_train.shape == (5, 28, 28, 1)


def test_every_catalog_recipe_is_understood():
    """Each assignment's Recipe.data (full and quick) is accepted by its dataset's loader."""
    catalog = pytest.importorskip("harness.catalog")
    checked = 0
    for assignment in catalog.load_catalog().values():
        training = getattr(assignment, "training", None)
        if training is None:
            continue
        for recipe in (training.full, training.quick):
            datasets.validate_options(training.dataset, recipe.data)
            checked += 1
    with pytest.raises(ValueError, match="unknown option"):
        datasets.validate_options("imdb", {"num_word": 1})


def test_song_datasets():
    ds = load("song", {}, [])
    assert ds.x_train.shape == (50, 4, 1) and ds.y_train.shape == (50, 12)
    assert load("song", {"layout": "flat"}, []).x_train.shape == (50, 4)
    two = load("song_2f", {}, [])
    assert two.x_train.shape == (50, 4, 2) and two.y_test.shape == (50, 12)
    recipe = {"window_size": 4, "features": "scale_length", "stateful": True, "evaluate_on": "train"}
    assert load("song_2f", recipe, []).x_train.shape == (50, 4, 2)
    with pytest.raises(ValueError, match="window_size=4"):
        load("song", {"window_size": 3}, [])


# ------------------------------------------------------------------------------------------- Jena


def _seattle_as_jena_csv(directory: Path, zipped: bool = False) -> tuple[Path, np.ndarray]:
    """Hourly Seattle 2010 temperatures (vega_datasets' ``seattle-temps``: NOAA data, hourly normals) in the
    Jena CSV layout.

    Only ``T (degC)`` is measured; the other 13 columns are derived from it (and the hour) so the file has
    Jena's shape and no constant column (a constant column would divide by a zero std).
    """
    vega = pytest.importorskip("vega_datasets")
    df = vega.local_data.seattle_temps()
    t = ((df["temp"].to_numpy() - 32.0) * 5.0 / 9.0).round(2)
    hour = df["date"].dt.hour.to_numpy()
    p = (1013.25 - 0.4 * t).round(2)
    vpmax = 6.1078 * 10 ** (7.5 * t / (237.3 + t))
    rh = (70 + 20 * np.cos(hour / 24 * 2 * np.pi)).round(2)
    vpact = vpmax * rh / 100
    cols = [p, t, (t + 273.15).round(2), (t - 3).round(2), rh, vpmax.round(2), vpact.round(2),
            (vpmax - vpact).round(2), (622 * vpact / p).round(2), (1000 * vpact / p).round(2),
            (p * 100 / (287.05 * (t + 273.15)) * 1000).round(2), (1 + np.abs(np.sin(hour))).round(2),
            (1.5 + 1.5 * np.abs(np.sin(hour))).round(2), (hour * 15.0).round(2)]
    stamps = df["date"].dt.strftime("%d.%m.%Y %H:%M:%S").tolist()
    lines = [",".join(jena_mod.JENA_HEADER)]
    lines += [",".join([stamps[i]] + [f"{c[i]:.2f}" for c in cols]) for i in range(len(df))]
    path = directory / jena_mod.JENA_CSV
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if zipped:
        zpath = directory / (jena_mod.JENA_CSV + ".zip")
        with zipfile.ZipFile(zpath, "w") as z:
            z.write(path, jena_mod.JENA_CSV)
        path.unlink()
        path = zpath
    return path, t


SMALL = {"lookback": 120, "step": 1, "delay": 24, "train_rows": 5000, "val_end": 6500, "test_start": 6501,
         "test_stride": 1}


def test_jena_parse_and_normalise(tmp_path):
    path, temps = _seattle_as_jena_csv(tmp_path)
    header, data = jena_mod.parse_jena_csv(path)
    assert len(header) == 15 and header[2] == '"T (degC)"'
    assert data.shape == (8759, 14)
    np.testing.assert_allclose(data[:, 1], temps)
    norm, mean, std = jena_mod.normalise(data, 5000)
    np.testing.assert_allclose(norm[:5000].mean(axis=0), 0, atol=1e-9)
    np.testing.assert_allclose(norm[:5000].std(axis=0), 1, atol=1e-9)
    np.testing.assert_allclose(norm * std + mean, data, atol=1e-9)


def _evaluate_naive_method(gen, steps):
    """The seeds' ``evaluate_naive_method`` (DLwP 6.3), as written there."""
    batch_maes = []
    for _ in range(steps):
        samples, targets = next(gen)
        preds = samples[:, -1, 1]
        batch_maes.append(np.mean(np.abs(preds - targets)))
    return float(np.mean(batch_maes))


def test_jena_generator_and_naive_baseline(tmp_path):
    from reference.jena_generator import generator

    path, _ = _seattle_as_jena_csv(tmp_path)
    _, raw = jena_mod.parse_jena_csv(path)
    data, _, std = jena_mod.normalise(raw, 5000)
    lookback, delay, batch = 120, 24, 32
    gen = generator(data, lookback, delay, 6501, None, batch_size=batch, step=1)
    samples, targets = next(gen)
    assert samples.shape == (batch, 120, 14)
    x, y = jena_mod.windows(data, lookback, delay, 6501, None, step=1, stride=1, dtype=np.float64)
    np.testing.assert_allclose(samples, x[:batch])
    np.testing.assert_allclose(targets, y[:batch])
    steps = (len(data) - delay - 1 - 6501 - lookback) // batch
    gen = generator(data, lookback, delay, 6501, None, batch_size=batch, step=1)
    seeds_way = _evaluate_naive_method(gen, steps)
    np.testing.assert_allclose(seeds_way, jena_mod.naive_mae(x[: steps * batch], y[: steps * batch]), rtol=1e-12)
    degrees = jena_mod.naive_mae(x, y, std=std)
    rows = np.arange(6501 + lookback, len(raw) - delay - 1)
    np.testing.assert_allclose(degrees, np.abs(raw[rows + delay, 1] - raw[rows - 1, 1]).mean(), rtol=1e-9)
    # the series is NOAA hourly normals (smooth from day to day): 25 h persistence is off by ~0.35 degC
    assert 0.1 < degrees < 1.0
    assert jena_mod.naive_mae(x, x[:, -1, 1]) == 0.0


def test_jena_loader(tmp_path, empty_home):
    _seattle_as_jena_csv(tmp_path, zipped=True)
    ds = load("jena", SMALL, [tmp_path])
    assert ds.x_train.shape == (6501, 14) and ds.y_train.shape == (6501,)
    n = 8759 - 24 - 1 - (6501 + 120)
    assert ds.x_test.shape == (n, 120, 14) and ds.y_test.shape == (n,)
    extra = ds.info.extra
    assert extra["naive_mae"] == pytest.approx(datasets.naive_mae(ds.x_test, ds.y_test), rel=1e-5)
    assert extra["naive_mae_degC"] == pytest.approx(extra["naive_mae"] * extra["std"][1], rel=1e-9)
    seeds = load("jena", {**SMALL, "step": 6, "lookback": 144, "test_stride": 24, "test_limit": 10}, [tmp_path])
    assert seeds.x_test.shape == (10, 24, 14)
    ranges = {"lookback": 120, "step": 1, "delay": 24, "train_range": (0, 5000), "val_range": (5001, 6500),
              "test_stride": 1, "steps_per_epoch": 20}
    via_ranges = load("jena", ranges, [tmp_path])
    np.testing.assert_array_equal(via_ranges.x_test, ds.x_test)
    np.testing.assert_array_equal(via_ranges.x_train, ds.x_train)
