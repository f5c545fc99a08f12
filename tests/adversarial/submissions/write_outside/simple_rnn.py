# Tries to leave a mark everywhere outside its own copy.
import json
import os

MARK = "MARK_{{MARKER}}"
targets = ["{{REPO}}/" + MARK, "{{MARKS}}/" + MARK, "/tmp/" + MARK, "/var/tmp/" + MARK, "/dev/shm/" + MARK,
           "/root/" + MARK, "{{OWN}}/" + MARK, "{{OTHER}}/" + MARK, "/jobs/" + MARK, "/grader/" + MARK,
           "/etc/" + MARK, "/usr/" + MARK, os.path.dirname(os.getcwd()) + "/" + MARK]
try:  # where the grader reads what a job leaves
    targets += [f"/jobs/{job}/out/model.keras" for job in os.listdir("/jobs")]
except OSError:
    pass
wrote = []
for target in targets:
    try:
        with open(target, "w") as handle:
            handle.write("pwned")
        wrote.append(target)
    except OSError:
        pass
raise RuntimeError("PROBE " + json.dumps({"wrote": wrote}))
