"""The UPR's calendar: which cycle and year a Working Group session belongs to."""

from __future__ import annotations

# First Working Group session of each cycle (cycle 1 began in April 2008, three
# sessions a year; cycle 2 began with session 13, cycle 3 with 27, cycle 4 with 41).
CYCLE_FIRST_SESSION = {1: 1, 2: 13, 3: 27, 4: 41}


def cycle_of_session(session: int) -> int:
    if session < 1:
        raise ValueError(f"UPR Working Group sessions start at 1, not {session}")
    cycle = 1
    for number, first in CYCLE_FIRST_SESSION.items():
        if session >= first:
            cycle = number
    return cycle


def session_year(session: int) -> int:
    """The year a session met: three sessions a year since 2008."""
    if session < 1:
        raise ValueError(f"UPR Working Group sessions start at 1, not {session}")
    return 2008 + (session - 1) // 3
