"""Per-run seeds.  Everything random in run i of a campaign comes from
numpy SeedSequence(campaign_seed, spawn_key=(i, stream, name_key)), so it
depends on (campaign seed, i) only: not on the order runs finish in, on
which worker ran them, or on the other runs.

Streams: the simulator's own seed (sensor noise, gyro bias draws), the
dispersed parameters (one stream per parameter, or per correlated group,
keyed by its name, so adding a parameter to a file leaves the others'
draws alone) and the fault injections (one stream per fault kind).
"""
from __future__ import annotations

import zlib

import numpy as np

STREAM_SIM = 0
STREAM_PARAM = 1
STREAM_FAULT = 2
SEED_MAX = 2**32 - 1            # the simulator's generators take 32-bit seeds (ground.runner)
CAMPAIGN_SEED_MAX = 2**63 - 1   # SeedSequence entropy; stored as int64 in campaign.json


def check_campaign_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= CAMPAIGN_SEED_MAX:
        raise ValueError(f"campaign seed must be an integer in 0..2**63-1, got {seed!r}")
    return seed


def name_key(name: str) -> int:
    """A stable 32-bit key for a parameter or fault name (CRC-32 of its UTF-8)."""
    return zlib.crc32(name.encode("utf-8"))


def seed_sequence(campaign_seed: int, run: int, stream: int, name: str = "") -> np.random.SeedSequence:
    if isinstance(run, bool) or not isinstance(run, int) or run < 0:
        raise ValueError(f"run index must be a non-negative integer, got {run!r}")
    return np.random.SeedSequence(campaign_seed, spawn_key=(run, stream, name_key(name)))


def stream_rng(campaign_seed: int, run: int, stream: int, name: str = "") -> np.random.Generator:
    return np.random.default_rng(seed_sequence(campaign_seed, run, stream, name))


def derived_seed(campaign_seed: int, run: int, stream: int, name: str = "") -> int:
    """A 32-bit integer seed (for the simulator or a site)."""
    state = seed_sequence(campaign_seed, run, stream, name).generate_state(1, np.uint32)
    return int(state[0])


def sim_seed(campaign_seed: int, run: int) -> int:
    return derived_seed(campaign_seed, run, STREAM_SIM)
