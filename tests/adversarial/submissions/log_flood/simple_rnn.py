# Prints 20 MiB before returning a correct model.
import sys

from keras.layers import Embedding, SimpleRNN
from keras.models import Sequential

line = "flood {{MARKER}} " + "x" * 1000 + "\n"
for _ in range(20 * 1024 * 1024 // len(line) + 1):
    sys.stdout.write(line)
sys.stdout.write("END OF FLOOD {{MARKER}}\n")
sys.stdout.flush()


def build_model():
    model = Sequential()
    model.add(Embedding(10000, 32))
    model.add(SimpleRNN(32))
    return model
