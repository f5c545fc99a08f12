# Writes 1.5 GiB of files into /tmp (each under the file-size limit) and keeps them: in the sandbox /tmp is
# a tmpfs, memory that no process maps. Then builds the correct model, so that the assignment passes unless
# the grader counts that memory.
import json
import os

from keras.layers import Embedding, SimpleRNN
from keras.models import Sequential

held = 0
try:
    chunk = b"x" * (64 * 2**20)
    for number in range(8):
        with open(f"/tmp/hoard-{{MARKER}}-{number}", "wb") as handle:
            for _ in range(3):
                held += handle.write(chunk)
except OSError as exc:
    raise RuntimeError("PROBE " + json.dumps({"held_mib": held >> 20, "error": str(exc)})) from None


def build_model():
    model = Sequential()
    model.add(Embedding(10000, 32))
    model.add(SimpleRNN(32))
    return model
