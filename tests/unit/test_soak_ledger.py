"""The notification soak's loss accounting (tests/soak/soak.py): every gap in the sender's
numbering must be covered by an Overrun event delivered before the gap ends."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "soak"))
try:
    from soak import account
finally:
    sys.path.pop(0)

OVERRUN = -1


def test_no_loss() -> None:
    figures = account([0, 1, 2, 3], 4)
    assert figures["lost"] == figures["unreported"] == figures["gaps"] == 0


def test_a_gap_after_an_overrun_is_covered() -> None:
    # the kernel reports ENOBUFS ahead of the messages still queued from before the loss
    figures = account([OVERRUN, 0, 1, 5, 6], 7)
    assert (figures["lost"], figures["covered"], figures["unreported"]) == (3, 3, 0)


def test_a_gap_without_an_overrun_is_unreported() -> None:
    figures = account([0, 1, 5, 6], 7)
    assert (figures["lost"], figures["covered"], figures["unreported"]) == (3, 0, 3)


def test_one_overrun_covers_one_gap() -> None:
    figures = account([OVERRUN, 0, 3, 6], 7)  # two gaps, one Overrun
    assert (figures["covered"], figures["unreported"]) == (2, 2)


def test_lost_tail_needs_an_overrun_too() -> None:
    assert account([0, 1], 5)["unreported"] == 3
    assert account([0, 1, OVERRUN], 5)["covered"] == 3


def test_repeats_are_counted() -> None:
    assert account([0, 1, 1, 2], 3)["out_of_order"] == 1
