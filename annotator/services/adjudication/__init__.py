"""Adjudication: where coders disagree, and the consensus value someone decides.

The consensus of a field for a recommendation is a set of ``Consensus`` rows: one per
code for choice fields, one with the value for yes / no and free-text fields, and one
with neither when the decision is "no code" (so a decided empty value is told apart
from "not decided yet"). Every decision replaces the earlier one whole and records an
audit event holding both, rows and uuids included, so that any decision can be undone
exactly and nothing an adjudicator decided is lost.

Modules: ``compare`` (disagreements, agreements, the consensus so far), ``decide``
(deciding, accepting, undoing) and ``service`` (what the disagreements view calls).
"""

from annotator.services.adjudication.compare import (
    DECIDERS,
    DECISION_ACTIONS,
    UNDO_ACTION,
    Agreement,
    CoderValue,
    Decision,
    Disagreement,
    agreements,
    coders_who_coded,
    comparable,
    consensus_values,
    disagreements,
)
from annotator.services.adjudication.decide import (
    accept_agreements,
    check_decider,
    decide,
    last_decision,
    undo_decision,
)
from annotator.services.adjudication.service import AdjudicationService
from annotator.services.coding import EMPTY

__all__ = [
    "DECIDERS",
    "DECISION_ACTIONS",
    "EMPTY",
    "UNDO_ACTION",
    "AdjudicationService",
    "Agreement",
    "CoderValue",
    "Decision",
    "Disagreement",
    "accept_agreements",
    "agreements",
    "check_decider",
    "coders_who_coded",
    "comparable",
    "consensus_values",
    "decide",
    "disagreements",
    "last_decision",
    "undo_decision",
]
