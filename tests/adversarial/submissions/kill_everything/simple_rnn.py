# Kills every process it can see (its parent included), then reports which it managed to signal.
import json
import os
import signal

me = os.getpid()
killed = []
for attempt in range(3):
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != me:
            try:
                os.kill(int(entry), signal.SIGKILL)
                killed.append(int(entry))
            except OSError:
                pass
for target in (-1,):
    try:
        os.kill(target, signal.SIGKILL)  # every process it may signal but itself
    except OSError:
        pass
raise RuntimeError("PROBE " + json.dumps({"killed": sorted(set(killed))}))
