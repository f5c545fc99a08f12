# Its folder holds links out of it (helper.py -> the reference, secret.py -> /etc/shadow, lib -> the reference
# folder); it imports through them.
import json
import os

seen = {name: os.path.lexists(name) for name in ("helper.py", "secret.py", "lib")}
try:
    from helper import build as build_model  # the reference's build(), if the link was followed
except ImportError:
    try:
        from lib.simple_rnn import build as build_model
    except ImportError:
        raise RuntimeError("PROBE " + json.dumps({"seen": seen})) from None
