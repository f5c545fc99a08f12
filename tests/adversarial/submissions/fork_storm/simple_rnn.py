# A bounded fork storm (at most 512 processes, so that a broken sandbox cannot take the machine down),
# every process renamed so that the test can look for survivors, plus one exec'd marker process.
import ctypes
import os
import select
import subprocess
import sys

subprocess.Popen([sys.executable, "-c", "import select; select.select([], [], [], 1000)", "{{MARKER}}-storm"],
                 start_new_session=True)
for _ in range(9):
    try:
        os.fork()
    except OSError:
        break
ctypes.CDLL(None).prctl(15, b"s{{MARKER}}"[:15], 0, 0, 0)  # PR_SET_NAME
select.select([], [], [], 1000)
