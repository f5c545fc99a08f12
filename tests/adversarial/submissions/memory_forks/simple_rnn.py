# Three processes, each well under the per-process limit, together over the job's limit.
import os
import select

for _ in range(3):
    if os.fork() == 0:
        block = b"x" * (600 * 2**20)
        select.select([], [], [], 1000)
        os._exit(0)
select.select([], [], [], 1000)
