"""The UPR's calendar: when each Working Group session met, and which cycle it belongs to.

Sessions are not evenly spread over the years (session 36 was put off from May to
November 2020 by COVID-19; cycle 3 had two sessions a year in 2017), so the dates
are a table, not arithmetic. A session the table does not hold has no known year:
callers say so, they never guess one.

Dates printed in the documents we hold agree with the table: Slovenia's Working
Group reports give session 7 as 8 to 19 February 2010 (A/HRC/14/15), session 20 as
27 October to 7 November 2014 (A/HRC/28/15), session 34 as 4 to 15 November 2019
(A/HRC/43/15).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

# First Working Group session of each cycle.
CYCLE_FIRST_SESSION = {1: 1, 2: 13, 3: 27, 4: 41}


@dataclass(frozen=True)
class Session:
    number: int
    start: dt.date
    end: dt.date
    council: int  # the Human Rights Council session that adopts its reports (A/HRC/NN/..)

    @property
    def year(self) -> int:
        return self.start.year

    @property
    def month(self) -> int:
        return self.start.month

    @property
    def cycle(self) -> int:
        return cycle_of_session(self.number)

    def __str__(self) -> str:
        if self.start.year != self.end.year:
            first = f"{self.start.day} {self.start:%B} {self.start.year}"
        elif self.start.month != self.end.month:
            first = f"{self.start.day} {self.start:%B}"
        else:
            first = str(self.start.day)
        return f"session {self.number}, {first} to {self.end.day} {self.end:%B %Y}"


def _d(year: int, month: int, day: int) -> dt.date:
    return dt.date(year, month, day)


# number: (first day, last day, Council session adopting the outcome)
_SESSIONS: dict[int, tuple[dt.date, dt.date, int]] = {
    1: (_d(2008, 4, 7), _d(2008, 4, 18), 8),
    2: (_d(2008, 5, 5), _d(2008, 5, 19), 8),
    3: (_d(2008, 12, 1), _d(2008, 12, 15), 10),
    4: (_d(2009, 2, 2), _d(2009, 2, 13), 11),
    5: (_d(2009, 5, 4), _d(2009, 5, 15), 12),
    6: (_d(2009, 11, 30), _d(2009, 12, 11), 13),
    7: (_d(2010, 2, 8), _d(2010, 2, 19), 14),
    8: (_d(2010, 5, 3), _d(2010, 5, 14), 15),
    9: (_d(2010, 11, 1), _d(2010, 11, 12), 16),
    10: (_d(2011, 1, 24), _d(2011, 2, 4), 17),
    11: (_d(2011, 5, 2), _d(2011, 5, 13), 18),
    12: (_d(2011, 10, 3), _d(2011, 10, 14), 19),
    13: (_d(2012, 5, 21), _d(2012, 6, 4), 21),
    14: (_d(2012, 10, 22), _d(2012, 11, 5), 22),
    15: (_d(2013, 1, 21), _d(2013, 2, 1), 23),
    16: (_d(2013, 4, 22), _d(2013, 5, 3), 24),
    17: (_d(2013, 10, 21), _d(2013, 11, 1), 25),
    18: (_d(2014, 1, 27), _d(2014, 2, 7), 26),
    19: (_d(2014, 4, 28), _d(2014, 5, 9), 27),
    20: (_d(2014, 10, 27), _d(2014, 11, 7), 28),
    21: (_d(2015, 1, 19), _d(2015, 1, 30), 29),
    22: (_d(2015, 5, 4), _d(2015, 5, 15), 30),
    23: (_d(2015, 11, 2), _d(2015, 11, 13), 31),
    24: (_d(2016, 1, 18), _d(2016, 1, 29), 32),
    25: (_d(2016, 5, 2), _d(2016, 5, 13), 33),
    26: (_d(2016, 10, 31), _d(2016, 11, 11), 34),
    27: (_d(2017, 5, 1), _d(2017, 5, 12), 36),
    28: (_d(2017, 11, 6), _d(2017, 11, 17), 37),
    29: (_d(2018, 1, 15), _d(2018, 1, 26), 38),
    30: (_d(2018, 5, 7), _d(2018, 5, 18), 39),
    31: (_d(2018, 11, 5), _d(2018, 11, 16), 40),
    32: (_d(2019, 1, 21), _d(2019, 2, 1), 41),
    33: (_d(2019, 5, 6), _d(2019, 5, 17), 42),
    34: (_d(2019, 11, 4), _d(2019, 11, 15), 43),
    35: (_d(2020, 1, 20), _d(2020, 1, 31), 44),
    36: (_d(2020, 11, 2), _d(2020, 11, 13), 46),  # put off from May 2020 (COVID-19)
    37: (_d(2021, 1, 18), _d(2021, 1, 29), 47),
    38: (_d(2021, 5, 3), _d(2021, 5, 14), 48),
    39: (_d(2021, 11, 1), _d(2021, 11, 12), 49),
    40: (_d(2022, 1, 24), _d(2022, 2, 4), 50),
    41: (_d(2022, 11, 7), _d(2022, 11, 18), 52),
    42: (_d(2023, 1, 23), _d(2023, 2, 3), 53),
    43: (_d(2023, 5, 1), _d(2023, 5, 12), 54),
    44: (_d(2023, 11, 6), _d(2023, 11, 17), 55),
    45: (_d(2024, 1, 22), _d(2024, 2, 2), 56),
    46: (_d(2024, 4, 29), _d(2024, 5, 10), 57),
    47: (_d(2024, 11, 4), _d(2024, 11, 15), 58),
    48: (_d(2025, 1, 20), _d(2025, 1, 31), 59),
    49: (_d(2025, 4, 28), _d(2025, 5, 9), 60),
    50: (_d(2025, 11, 3), _d(2025, 11, 14), 61),
}
SESSIONS: dict[int, Session] = {n: Session(n, *dates) for n, dates in _SESSIONS.items()}
LAST_KNOWN = max(SESSIONS)

_SYMBOL = re.compile(r"^A/HRC/(\d+)/\d+", re.IGNORECASE)


class UnknownSession(ValueError):
    """A session the calendar does not hold: its dates (and year) are unknown."""


def _check(session: int) -> None:
    if session < 1:
        raise ValueError(f"UPR Working Group sessions start at 1, not {session}")


def cycle_of_session(session: int) -> int:
    _check(session)
    cycle = 1
    for number, first in CYCLE_FIRST_SESSION.items():
        if session >= first:
            cycle = number
    return cycle


def session(number: int) -> Session:
    """The session's dates; UnknownSession when the calendar does not hold it."""
    _check(number)
    found = SESSIONS.get(number)
    if found is None:
        raise UnknownSession(unknown_message(number))
    return found


def unknown_message(number: int) -> str:
    return (
        f"Working Group session {number} is not in the UPR calendar this version knows "
        f"(sessions 1 to {LAST_KNOWN}), so the review's year is left unknown; "
        "set it with `annotator review set`"
    )


def session_year(number: int) -> int | None:
    """The year the session met, or None when the calendar does not hold it."""
    _check(number)
    found = SESSIONS.get(number)
    return found.year if found else None


def council_session(symbol: str) -> int | None:
    """The Council session a document symbol belongs to: A/HRC/43/15 -> 43."""
    match = _SYMBOL.match(symbol.strip())
    return int(match.group(1)) if match else None


def sessions_for_symbol(symbol: str) -> list[Session]:
    """The Working Group sessions whose reports the Council session of ``symbol``
    adopted (one, except the Council's eighth session, which adopted sessions 1 and 2)."""
    council = council_session(symbol)
    if council is None:
        return []
    return [s for s in SESSIONS.values() if s.council == council]
