# Changes everything process-wide it can, and leaves traces for the next student graded by the same worker.
import ctypes
import json
import os
import sys
import types

import keras
from keras.layers import Embedding, SimpleRNN
from keras.models import Sequential

keras.mixed_precision.set_global_policy("mixed_float16")
keras.config.set_floatx("float16")
keras.config.set_epsilon(0.5)


@keras.saving.register_keras_serializable(package="evil")
class Evil(keras.layers.Layer):
    pass


planted = types.ModuleType("common")
planted.VALUE = "poisoned"
sys.modules["common"] = planted
sys.path.insert(0, "/tmp")
os.environ["POISON_{{MARKER}}"] = "1"
if {{CHECK_FILES}}:
    for path in ("/tmp/poison_{{MARKER}}", "/dev/shm/poison_{{MARKER}}", "/tmp/common.py"):
        with open(path, "w") as handle:
            handle.write("VALUE = 'poisoned'\n")
    os.makedirs(os.path.expanduser("~/.keras"), exist_ok=True)
    with open(os.path.expanduser("~/.keras/keras.json"), "w") as handle:
        json.dump({"floatx": "float16", "epsilon": 0.5, "backend": "tensorflow"}, handle)
    libc = ctypes.CDLL(None, use_errno=True)
    segment = libc.shmget(0x5EED0001, 4096, 0o1666)  # IPC_CREAT | 0666
    libc.semget(0x5EED0002, 1, 0o1666)
    libc.msgget(0x5EED0003, 0o1666)
    # a process that outlives this job and keeps writing where the next student looks
    if os.fork() == 0:
        os.setsid()
        import select
        while True:
            try:
                with open("/tmp/poison_late_{{MARKER}}", "w") as handle:
                    handle.write("late")
            except OSError:
                pass
            select.select([], [], [], 0.05)


def build_model():
    model = Sequential()
    model.add(Embedding(10000, 32))
    model.add(SimpleRNN(32))
    return model
