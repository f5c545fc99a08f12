# Tries to read what a student must never see; reports what it could read (first bytes only).
import json
import os

paths = {
    "reference": "{{REPO}}/reference/simple_rnn.py",
    "reference_dir": "{{REPO}}/reference",
    "grader_code": "{{REPO}}/harness/checks/evaluate.py",
    "repo": "{{REPO}}",
    "other_student": "{{OTHER}}/simple_rnn.py",
    "other_relative": "../control_b/simple_rnn.py",
    "results_db": "{{DB}}",
    "repo_db": "{{REPO}}/grader.sqlite",
    "labels": "{{DATA}}/test_labels.csv",
    "keras_home": "/root/.keras/keras.json",
    "ssh": "/root/.ssh",
    "bashrc": "/root/.bashrc",
    "shadow": "/etc/shadow",
    "jobs_of_others": "/jobs",
}
read = {}
for name, path in paths.items():
    try:
        if os.path.isdir(path):
            read[name] = sorted(os.listdir(path))[:8]
        else:
            with open(path, "rb") as handle:
                read[name] = handle.read(16).decode(errors="replace")
    except OSError:
        pass
imported = []
for module in ("reference", "reference.simple_rnn", "harness", "harness.checks.evaluate"):
    try:
        __import__(module)
        imported.append(module)
    except Exception:  # noqa: BLE001
        pass
try:
    root = sorted(os.listdir("/root"))
except OSError:
    root = None
raise RuntimeError("PROBE " + json.dumps({"read": read, "imported": imported, "root": root}))
