"""Finding a coder by a name as people type it."""

from __future__ import annotations

from annotator.services.coders import coder_named, find_coder, get_or_create_coder
from annotator.services.projects import init_project
from annotator.store.models import Coder


def test_a_coder_is_found_by_name_whatever_its_letter_case(tmp_path):
    project = init_project(tmp_path / "p.upr")
    with project.write() as session:
        elise = get_or_create_coder(session, "Élise Dupont")
        session.flush()
        # SQLite's lower() leaves "É" alone; the name must be found all the same.
        assert find_coder(session, "élise  dupont") is elise
        assert find_coder(session, "ÉLISE DUPONT") is elise
        assert get_or_create_coder(session, "élise dupont") is elise
        assert coder_named(session, " Élise   Dupont ") is elise
        assert find_coder(session, "Elise Dupont") is None  # accents are part of a name
    project.close()


def test_the_exact_name_wins_over_one_differing_in_case(tmp_path):
    project = init_project(tmp_path / "p.upr")
    with project.write() as session:
        # Made before names differing only in case were refused; both stay reachable.
        first = Coder(name="ben", role="coder")
        second = Coder(name="Ben", role="coder")
        session.add_all([first, second])
        session.flush()
        assert find_coder(session, "Ben") is second
        assert find_coder(session, "ben") is first
        assert find_coder(session, "BEN") is first  # the earliest added
    project.close()
