# Holds 1.5 GiB in memfds filled with write() (each under the file-size limit): no process maps them, so no
# process's RSS shows them. Then builds the correct model, so that the assignment passes unless the grader
# counts that memory.
import json
import os

from keras.layers import Embedding, SimpleRNN
from keras.models import Sequential

HELD = []
held = 0
try:
    chunk = b"x" * (64 * 2**20)
    for number in range(8):
        fd = os.memfd_create(f"hoard-{{MARKER}}-{number}")
        HELD.append(fd)
        for _ in range(3):
            held += os.write(fd, chunk)
except OSError as exc:
    raise RuntimeError("PROBE " + json.dumps({"held_mib": held >> 20, "error": str(exc)})) from None


def build_model():
    model = Sequential()
    model.add(Embedding(10000, 32))
    model.add(SimpleRNN(32))
    return model
