"""What runs on the trusted side of the sandbox: starting and supervising zygotes (``worker.py``), the limits a
run sets (``limits.py``) and the memory cgroup (``cgroup.py``). Nothing here is mounted into the jail."""
