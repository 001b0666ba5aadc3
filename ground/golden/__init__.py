"""Golden vectors of the board firmware (docs/golden_vectors.md)."""
