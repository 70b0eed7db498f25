"""Vectorised evaluation of analog limit conditions with deadband over all rules at once.

The runtime holds the current value of every tag in one numpy table; with 20,000 tags a scan must
cost a few array operations, not 20,000 Python calls. Only rules whose condition actually changed
leave numpy and go through the per-alarm state machine.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from alarm_engine.model import LimitRule


class LimitTable:
    """Column arrays (tag index, limit, deadband, direction, condition) of all limit rules.

    Not thread-safe by itself: the engine calls :meth:`update` under its lock, because the
    condition array is the state that must change atomically with the alarm snapshots.
    """

    def __init__(self, rules: Sequence[LimitRule], n_tags: int) -> None:
        """Build the arrays once; raise ``ValueError`` if a rule points outside the value table."""
        self.n_tags = int(n_tags)
        bad = [r.alarm_id for r in rules if r.tag_index >= self.n_tags]
        if bad:
            raise ValueError(f"tag_index outside the value table of {self.n_tags} tags: {bad[:10]}")
        self.tag_index = np.fromiter((r.tag_index for r in rules), dtype=np.intp, count=len(rules))
        self.limit = np.fromiter((r.limit for r in rules), dtype=np.float64, count=len(rules))
        self.deadband = np.fromiter((r.deadband for r in rules), dtype=np.float64, count=len(rules))
        self.high = np.fromiter((r.kind.is_high_limit for r in rules), dtype=bool, count=len(rules))
        self.condition = np.zeros(len(rules), dtype=bool)

    def update(self, values: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Compute new conditions from the value table and store them.

        A high rule becomes active above its limit and stays active until the value falls to
        ``limit - deadband``; low rules mirror that. Where the tag's quality is bad (``valid`` is
        False) or its value is NaN the condition is kept, so bad data neither raises nor clears.

        Returns the indices of rules whose condition changed and each rule's value.
        """
        if values.shape != (self.n_tags,) or valid.shape != (self.n_tags,):
            raise ValueError(
                f"expected value and validity arrays of shape ({self.n_tags},), "
                f"got {values.shape} and {valid.shape}"
            )
        v = values[self.tag_index]
        old = self.condition
        with np.errstate(invalid="ignore"):
            high_cond = (v > self.limit) | (old & (v > self.limit - self.deadband))
            low_cond = (v < self.limit) | (old & (v < self.limit + self.deadband))
        new = np.where(self.high, high_cond, low_cond)
        usable = valid[self.tag_index] & ~np.isnan(v)
        new = np.where(usable, new, old)
        changed = np.flatnonzero(new != old)
        self.condition = new
        return changed, v
