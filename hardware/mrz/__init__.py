"""MRZ reader (ICAO 9303 TD1/TD2/TD3) for webcam frames: locate, rectify, OCR-B template OCR, check-digit decode.

Nothing is reported unless every check digit holds; the stream reader additionally waits for a stable read.
"""

import os

os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # in case a Tesseract-based engine is loaded in this process

from .correct import correct_mrz
from .parse import parse_mrz
from .reader import read_mrz
from .result import MrzResult
from .stream import FrameFeedback, MrzStreamReader

__all__ = ["FrameFeedback", "MrzResult", "MrzStreamReader", "correct_mrz", "parse_mrz", "read_mrz"]
