"""What runs INSIDE the sandbox: the zygote, the child's tasks, the script and Keras-2 layers, and the protocol.

This folder is mounted into the jail as a whole (``/grader``, see ``host/worker.py``), so everything here is what a
student's process can read. Each module imports only the standard library, numpy and keras, and its siblings
relatively (never ``harness``): inside the sandbox the zygote imports this folder as the package ``_grader``. The
trusted side imports :mod:`protocol` from here too: both sides validate what crosses the boundary against the same
declaration.
"""
