"""The per-cycle MOB_DRIVE packer (hal.board_app.IntCommandPacker) is the
dictionary's generic encoder made fast: same bytes, same refusals, and its
one-entry memory of the last setpoints never returns a stale payload."""
import pytest
from hypothesis import given, strategies as st

from common.dictionary import default_dictionary
from common.dictionary import packets as P
from hal.board_app import DRIVE_ORDER, IntCommandPacker

D = default_dictionary()
PACKER = IntCommandPacker(D, "MOB_DRIVE")
BOUNDS = dict(zip(PACKER.names, PACKER.bounds))


def _setpoints():
    return st.tuples(*(st.integers(*BOUNDS[n]) for n in DRIVE_ORDER))


@given(st.lists(_setpoints(), min_size=1, max_size=6))
def test_same_bytes_as_the_generic_encoder_in_any_order(seq):
    for values in seq:
        assert PACKER.pack(list(values)) == P.encode_board_command(
            D, "MOB_DRIVE", **dict(zip(DRIVE_ORDER, values)))


@given(_setpoints(), st.sampled_from(DRIVE_ORDER), st.booleans())
def test_out_of_range_is_refused_even_right_after_a_good_pack(values, name, high):
    PACKER.pack(values)
    lo, hi = BOUNDS[name]
    bad = list(values)
    bad[DRIVE_ORDER.index(name)] = hi + 1 if high else lo - 1
    with pytest.raises(P.ArgumentError, match=f"MOB_DRIVE.{name}"):
        PACKER.pack(bad)
    with pytest.raises(P.ArgumentError):
        P.encode_board_command(D, "MOB_DRIVE", **dict(zip(DRIVE_ORDER, bad)))



@given(_setpoints(), st.integers(0, 9))
def test_a_missing_or_extra_setpoint_is_refused(values, cut):
    with pytest.raises(P.ArgumentError, match="MOB_DRIVE: 9 values for 10"):
        PACKER.pack(values[:cut] + values[cut + 1:])
    with pytest.raises(P.ArgumentError, match="MOB_DRIVE: 11 values for 10"):
        PACKER.pack(values + (0,))
