"""Print checkpoints: one small JSON file, rewritten atomically after every
completed layer, so a killed process resumes at the next layer.

Atomic: the new content goes to a temporary file in the same directory,
is flushed and fsync'd, then renamed over the old file (rename is atomic on
POSIX), and the directory is fsync'd so the rename itself survives a power
cut.  A reader therefore sees the previous checkpoint or the new one, never
a torn file.  Loading checks that the checkpoint belongs to the same plan
(its digest) and the same dictionary before anything moves.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

CHECKPOINT_NAME = "print_checkpoint.json"
VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint that cannot be resumed (says which file and why)."""


@dataclass
class Checkpoint:
    plan_name: str
    plan_digest: str
    dictionary_hash: str
    layers_total: int
    layers_done: int            # layers 0..layers_done-1 are printed
    z_steps: int                # Z stage position after the last layer (holds unpowered)
    t_ms: int                   # mission time of the write
    quality: list               # degree of sintering per printed layer
    version: int = VERSION


def write_checkpoint(directory, cp: Checkpoint) -> Path:
    d = Path(directory)
    path = d / CHECKPOINT_NAME
    tmp = d / (CHECKPOINT_NAME + ".tmp")
    data = (json.dumps(asdict(cp), indent=1, sort_keys=True) + "\n").encode()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    dfd = os.open(d, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)
    return path


def load_checkpoint(directory, *, plan_digest: str, dictionary_hash: str) -> Checkpoint:
    path = Path(directory) / CHECKPOINT_NAME
    try:
        raw = path.read_text()
    except FileNotFoundError:
        raise CheckpointError(f"{directory}: no print checkpoint ({CHECKPOINT_NAME}); "
                              "nothing to resume") from None
    except OSError as e:
        raise CheckpointError(f"{path}: cannot read: {e.strerror}") from None
    try:
        d = json.loads(raw)
        cp = Checkpoint(**d)
    except (json.JSONDecodeError, TypeError) as e:
        raise CheckpointError(f"{path}: not a print checkpoint ({e})") from None
    if cp.version != VERSION:
        raise CheckpointError(f"{path}: checkpoint version {cp.version}, this software reads {VERSION}")
    if cp.plan_digest != plan_digest:
        raise CheckpointError(f"{path}: checkpoint is for plan {cp.plan_name!r} ({cp.plan_digest}), "
                              f"not this one ({plan_digest}): a different design or settings")
    if cp.dictionary_hash != dictionary_hash:
        raise CheckpointError(f"{path}: checkpoint was written with dictionary {cp.dictionary_hash}, "
                              f"this software has {dictionary_hash}")
    ints = (cp.layers_total, cp.layers_done, cp.z_steps, cp.t_ms)
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in ints) \
            or not 0 <= cp.layers_done <= cp.layers_total or len(cp.quality) != cp.layers_done:
        raise CheckpointError(f"{path}: inconsistent checkpoint (layers {cp.layers_done}/"
                              f"{cp.layers_total}, {len(cp.quality)} quality values)")
    return cp
