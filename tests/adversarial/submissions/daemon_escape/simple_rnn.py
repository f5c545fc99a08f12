# Double-forks a daemon in a new session that ignores SIGTERM and SIGHUP, then returns a correct model.
import os
import sys

from keras.layers import Embedding, SimpleRNN
from keras.models import Sequential

SLEEPER = ("import signal, select\n"
           "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
           "signal.signal(signal.SIGHUP, signal.SIG_IGN)\n"
           "select.select([], [], [], 1000)\n")
first = os.fork()
if first == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", SLEEPER, "{{MARKER}}-daemon"])
    os._exit(0)
os.waitpid(first, 0)


def build_model():
    model = Sequential()
    model.add(Embedding(10000, 32))
    model.add(SimpleRNN(32))
    return model
