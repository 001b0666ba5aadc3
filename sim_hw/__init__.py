"""Simulated hardware: plant and environment models, emulated boards, fault injection."""
