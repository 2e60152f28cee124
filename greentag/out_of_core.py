"""Kept so that ``from greentag.out_of_core import train_out_of_core`` goes on working.

Out-of-core training lives in :mod:`greentag.training.out_of_core`.
"""

from .training.out_of_core import RecordSource, train_out_of_core

__all__ = ["RecordSource", "train_out_of_core"]
