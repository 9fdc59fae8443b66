"""The fuzz harness on its corpus: every captured kernel datagram (tests/fuzz/seeds) and every
input that once found a bug (tests/fuzz/regressions) goes through all decode entry points
with nothing but the documented errors; the structure-aware mutator keeps lengths valid.

The fuzzing itself is `make fuzz` (and the 30-second run of `make check`)."""

from __future__ import annotations

import random
import sys
from pathlib import Path
from types import ModuleType

import pytest

FUZZ = Path(__file__).resolve().parent.parent / "fuzz"


@pytest.fixture
def harness(kernel_specs: Path) -> ModuleType:
    """tests/fuzz/harness.py (it decodes with the kernel's specs: skipped without them)."""
    sys.path.insert(0, str(FUZZ))
    try:
        import harness as module
    finally:
        sys.path.remove(str(FUZZ))
    return module


def test_seeds_cover_what_the_battery_promises() -> None:
    names = [p.name for p in (FUZZ / "seeds").glob("*.bin")]
    for family in ("rt-link", "rt-addr", "rt-route", "nlctrl", "ethtool", "netdev"):
        assert any(n.startswith(f"{family}--") for n in names), family
    for what in ("getaddr-dump-v4", "getaddr-dump-v6", "getpolicy-ethtool", "getfamily-dump",
                 "ack--ethtool-enodev", "ack--netdev-policy-min", "ack--tc-warning",
                 "ack--done-warning"):  # fmt: skip
        assert any(what in n for n in names), what
    assert sum(p.stat().st_size for p in (FUZZ / "seeds").glob("*.bin")) < 500_000


def test_every_seed_decodes_within_the_documented_errors(harness: ModuleType) -> None:
    inputs = harness.seed_inputs()
    assert len(inputs) > 100
    for name, data in inputs.items():
        try:
            harness.check(data)
        except harness.Finding as found:
            raise AssertionError(f"seed {name}: {found}") from found.error


def test_every_regression_input_stays_fixed(harness: ModuleType) -> None:
    for name, data in harness.regression_inputs().items():
        try:
            harness.check(data)
        except harness.Finding as found:
            raise AssertionError(f"regression {name}: {found}") from found.error


def test_structure_mutations_keep_datagrams_parsable(harness: ModuleType) -> None:
    from genetlink.wire.message import parse_messages

    rng = random.Random(11)
    seeds = [p.read_bytes() for p in sorted((FUZZ / "seeds").glob("*.bin"))]
    for _ in range(500):
        datagram = rng.choice(seeds)
        mutated = harness.mutate_structure(datagram, rng)
        parse_messages(mutated)  # every enclosing length was fixed up


def test_an_undocumented_error_is_a_finding(harness: ModuleType,
                                            monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """A decoder that raises something else than DecodeError is a finding, named."""
    from genetlink.wire import ack

    def broken(msg: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(harness, "parse_error", broken)
    data = next(iter(harness.seed_inputs().values()))
    with pytest.raises(harness.Finding) as info:
        harness.check(data)
    assert info.value.entry == "parse_error" and isinstance(info.value.error, KeyError)
    assert ack.parse_error is not broken
