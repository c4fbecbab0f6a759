"""The UPR calendar: every session's year from the table, never from arithmetic."""

import datetime as dt

import pytest

from annotator import upr_calendar

# The year each Working Group session met (the UN's calendar of UPR sessions).
YEARS = {
    **dict.fromkeys(range(1, 4), 2008), **dict.fromkeys(range(4, 7), 2009),
    **dict.fromkeys(range(7, 10), 2010), **dict.fromkeys(range(10, 13), 2011),
    **dict.fromkeys(range(13, 15), 2012), **dict.fromkeys(range(15, 18), 2013),
    **dict.fromkeys(range(18, 21), 2014), **dict.fromkeys(range(21, 24), 2015),
    **dict.fromkeys(range(24, 27), 2016), **dict.fromkeys(range(27, 29), 2017),
    **dict.fromkeys(range(29, 32), 2018), **dict.fromkeys(range(32, 35), 2019),
    **dict.fromkeys(range(35, 37), 2020), **dict.fromkeys(range(37, 40), 2021),
    **dict.fromkeys(range(40, 42), 2022), **dict.fromkeys(range(42, 45), 2023),
    **dict.fromkeys(range(45, 48), 2024), **dict.fromkeys(range(48, 51), 2025),
}  # fmt: skip


@pytest.mark.parametrize(("number", "year"), sorted(YEARS.items()))
def test_every_session_year(number, year):
    assert upr_calendar.session_year(number) == year
    found = upr_calendar.session(number)
    assert found.start <= found.end
    assert (found.end - found.start).days <= 15


def test_the_years_arithmetic_got_wrong():
    assert upr_calendar.session_year(45) == 2024  # China's fourth review
    assert upr_calendar.session_year(48) == 2025  # Slovenia's fourth review
    assert upr_calendar.session_year(18) == 2014
    covid = upr_calendar.session(36)
    assert (covid.start, covid.month) == (dt.date(2020, 11, 2), 11)


def test_dates_printed_in_slovenias_reports():
    assert upr_calendar.session(7).start == dt.date(2010, 2, 8)
    assert upr_calendar.session(20).end == dt.date(2014, 11, 7)
    assert str(upr_calendar.session(34)) == "session 34, 4 to 15 November 2019"
    assert str(upr_calendar.session(20)) == "session 20, 27 October to 7 November 2014"


def test_sessions_are_in_order_and_cycles_right():
    numbers = sorted(upr_calendar.SESSIONS)
    assert numbers == list(range(1, 51))
    starts = [upr_calendar.SESSIONS[n].start for n in numbers]
    assert starts == sorted(starts)
    assert [upr_calendar.cycle_of_session(n) for n in (1, 12, 13, 26, 27, 40, 41, 50)] == [
        1, 1, 2, 2, 3, 3, 4, 4,
    ]  # fmt: skip


def test_a_session_the_calendar_lacks_has_no_year():
    assert upr_calendar.session_year(51) is None
    with pytest.raises(upr_calendar.UnknownSession, match="session 51 is not in the UPR calendar"):
        upr_calendar.session(51)
    with pytest.raises(ValueError, match="start at 1"):
        upr_calendar.session_year(0)


@pytest.mark.parametrize(
    ("symbol", "sessions"),
    [("A/HRC/43/15", [34]), ("A/HRC/56/6", [45]), ("A/HRC/40/6", [31]), ("A/HRC/25/5", [17]),
     ("A/HRC/8/1", [1, 2]), ("A/HRC/45/1", []), ("E/CN.4/1", [])],
)  # fmt: skip
def test_sessions_from_a_report_symbol(symbol, sessions):
    assert [s.number for s in upr_calendar.sessions_for_symbol(symbol)] == sessions
