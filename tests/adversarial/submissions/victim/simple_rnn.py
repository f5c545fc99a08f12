# Graded right after the polluter by the same warm worker: sees nothing of it, or says what it saw.
import ctypes
import json
import os
import sys

import keras
from keras.layers import Embedding, SimpleRNN
from keras.models import Sequential

problems = []
if keras.config.dtype_policy().name != "float32":
    problems.append("policy " + keras.config.dtype_policy().name)
if keras.config.floatx() != "float32":
    problems.append("floatx " + keras.config.floatx())
if keras.config.epsilon() != 1e-7:
    problems.append("epsilon")
if any("Evil" in name for name in keras.saving.get_custom_objects()):
    problems.append("custom object")
if "/tmp" in sys.path:
    problems.append("sys.path")
if any(name.startswith("POISON_") for name in os.environ):
    problems.append("environment")
import common  # noqa: E402 - its own helper, not the one planted in sys.modules

if common.VALUE != 42:
    problems.append("module common")
if {{CHECK_FILES}}:
    for path in ("/tmp/poison_{{MARKER}}", "/dev/shm/poison_{{MARKER}}", "/tmp/common.py", "/tmp/poison_late_{{MARKER}}"):
        if os.path.exists(path):
            problems.append(path)
    job = os.path.basename(os.getcwd()).removeprefix("work-")
    strays = [n for n in os.listdir("/tmp") if not n.endswith(job)]
    if strays:
        problems.append("tmp " + ",".join(strays))
    libc = ctypes.CDLL(None, use_errno=True)
    for kind, key in (("shm", 0x5EED0001), ("sem", 0x5EED0002), ("msg", 0x5EED0003)):
        found = {"shm": lambda: libc.shmget(key, 0, 0), "sem": lambda: libc.semget(key, 0, 0),
                 "msg": lambda: libc.msgget(key, 0)}[kind]()
        if found != -1:
            problems.append("ipc " + kind)
if problems:
    raise RuntimeError("POLLUTED " + json.dumps(problems))


def build_model():
    model = Sequential()
    model.add(Embedding(10000, 32))
    model.add(SimpleRNN(32))
    if model.compute_dtype != "float32":
        raise RuntimeError("POLLUTED " + model.compute_dtype)
    return model
