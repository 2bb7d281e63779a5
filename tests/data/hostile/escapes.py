"""Tries to reach outside its sandbox: a classmate's file, lossedu's own grading code, a
torch.py beside the class, the network, and an orphan that outlives grading."""

import os
import socket

targets = ["/tmp/lossedu-hostile-class/victim.py",
           "/tmp/lossedu-hostile-class/torch.py"]
import lossedu.exercises.spec as spec  # noqa: E402

targets.append(spec.__file__)
for target in targets:
    try:
        with open(target, "a") as file:
            file.write("\nBACKDOOR = True\n")
    except OSError:
        pass
try:
    socket.create_connection(("1.1.1.1", 80), timeout=1)
except OSError:
    pass
if os.fork() == 0:  # a grandchild in a session of its own, that would write later
    os.setsid()
    if os.fork() == 0:
        import time

        time.sleep(4)
        open("/tmp/lossedu-hostile-class/orphan-was-here", "w").write("x")
    os._exit(0)


def my_mse_loss(input, target, reduction="mean"):
    squared = (input - target) ** 2
    return {"mean": squared.mean(), "sum": squared.sum()}.get(reduction, squared)
