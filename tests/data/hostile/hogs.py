"""Forks eight processes that each hold 200 MB, floods stderr and fills the disk."""

import os
import sys
import time

sys.stderr.write("x" * 42_000_000)
for _ in range(8):
    if os.fork() == 0:
        block = bytearray(200 * 1024**2)
        time.sleep(60)
        os._exit(0)
with open("big.bin", "wb") as file:
    for _ in range(256):
        file.write(b"\0" * 1024**2)
time.sleep(60)
