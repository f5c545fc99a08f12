# Leaves links and a FIFO where the grader reads the model and the error, and a stray result file.
import os
import sys

parent = os.path.dirname(os.getcwd())
out = next(os.path.join(parent, n) for n in os.listdir(parent) if n.startswith("out-"))
os.symlink("/etc/passwd", os.path.join(out, "model.keras"))
os.mkfifo(os.path.join(out, "error.json"))
os.symlink("{{REPO}}/reference/simple_rnn.py", os.path.join(out, "info.json"))
with open(os.path.join(out, "result.json"), "w") as handle:
    handle.write('{"status": "passed", "score": 10.0}')
os.mkfifo(os.path.join(out, "outputs.json"))
sys.stdout.flush()
os._exit(0)
