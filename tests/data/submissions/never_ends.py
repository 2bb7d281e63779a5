"""A file that swallows every interruption and loops forever: only the time limit on the
whole submission stops it."""

while True:
    try:
        while True:
            pass
    except BaseException:
        pass
