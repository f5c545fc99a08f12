# Tries to delete files it must not reach: a canary of the test's, another student's code, the results store.
import json
import os
import shutil

gone = []
for victim in ["{{CANARY}}", "{{OTHER}}/simple_rnn.py", "{{DB}}", "{{MARKS}}"]:
    try:
        if os.path.isdir(victim):
            shutil.rmtree(victim)
        else:
            os.remove(victim)
        gone.append(victim)
    except OSError:
        pass
for folder in ("/jobs", "/grader"):
    for root, dirs, files in os.walk(folder):
        for name in files:
            try:
                os.remove(os.path.join(root, name))
                gone.append(os.path.join(root, name))
            except OSError:
                pass
raise RuntimeError("PROBE " + json.dumps({"deleted": gone}))
