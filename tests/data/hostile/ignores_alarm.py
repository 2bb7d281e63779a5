"""Ignores SIGALRM and loops at the top level."""

import signal

signal.signal(signal.SIGALRM, signal.SIG_IGN)
while True:
    pass
