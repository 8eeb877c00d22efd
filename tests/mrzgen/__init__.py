"""Synthetic MRZ test data: random valid identities, rendered documents, webcam-like frames and .y4m videos.

Everything is seeded and deterministic. The check-digit code here is written independently of hardware.mrz
so that the generator does not share bugs with the code under test.
"""

from .identities import Identity, random_identity
from .scenes import Sample, make_sample, make_samples

__all__ = ["Identity", "Sample", "make_sample", "make_samples", "random_identity"]
