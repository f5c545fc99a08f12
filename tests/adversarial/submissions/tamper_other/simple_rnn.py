# Tries to break another student's submission: edit, add a module, chmod, rename.
import json
import os

done = []
attempts = {
    "append": lambda: open("{{OTHER}}/simple_rnn.py", "a").write("\nraise SystemExit('sabotaged')\n"),
    "plant": lambda: open("{{OTHER}}/common.py", "w").write("raise SystemExit('sabotaged')\n"),
    "chmod": lambda: os.chmod("{{OTHER}}/simple_rnn.py", 0),
    "rename": lambda: os.rename("{{OTHER}}/simple_rnn.py", "{{OTHER}}/gone.py"),
}
for name, attempt in attempts.items():
    try:
        attempt()
        done.append(name)
    except OSError:
        pass
raise RuntimeError("PROBE " + json.dumps({"tampered": done}))
