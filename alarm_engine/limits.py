"""Vectorised evaluation of all rule conditions (limits, rate, deviation, discrete, bad quality).

The runtime holds the current value of every tag in one numpy table; with 20,000 tags a scan must
cost a few array operations, not 20,000 Python calls. Only rules whose (delayed) condition or
suppression actually changed leave numpy and go through the per-alarm state machine.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from alarm_engine.model import AlarmKind, Condition, LimitRule

_KINDS = {k: i for i, k in enumerate(AlarmKind)}
_OPS = {
    "==": np.equal,
    "!=": np.not_equal,
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
}


def parse_condition(text: str, index_of: dict[str, int]) -> Condition:
    """Parse ``"TAG <op> number"`` (e.g. ``"FSF.BURNER_ON == 0"``); ``ValueError`` names what is wrong."""
    for op in ("==", "!=", "<=", ">=", "<", ">"):
        left, sep, right = text.partition(op)
        if sep:
            tag = left.strip()
            if tag not in index_of:
                raise ValueError(f"condition {text!r}: unknown tag {tag!r}")
            try:
                value = float(right.strip())
            except ValueError:
                raise ValueError(f"condition {text!r}: {right.strip()!r} is not a number") from None
            return Condition(tag, index_of[tag], op, value)
    raise ValueError(f"condition {text!r}: expected 'TAG <op> number' with op one of {sorted(_OPS)}")


class LimitTable:
    """Column arrays of all rules plus their condition state (raw, delayed, suppressed).

    Not thread-safe by itself: the engine calls :meth:`update` under its lock, because the
    condition arrays are the state that must change atomically with the alarm snapshots.
    """

    def __init__(self, rules: Sequence[LimitRule], n_tags: int) -> None:
        """Build the arrays once; raise ``ValueError`` if a rule points outside the value table."""
        self.n_tags = int(n_tags)
        n = len(rules)
        bad = [r.alarm_id for r in rules if r.tag_index >= self.n_tags or r.ref_index >= self.n_tags]
        if bad:
            raise ValueError(f"tag_index outside the value table of {self.n_tags} tags: {bad[:10]}")

        def col(attr: str, dtype: type) -> np.ndarray:
            return np.fromiter((getattr(r, attr) for r in rules), dtype=dtype, count=n)

        self.tag_index = col("tag_index", np.intp)
        self.ref_index = np.where(col("ref_index", np.intp) >= 0, col("ref_index", np.intp), self.tag_index)
        self.limit = np.nan_to_num(col("limit", np.float64))
        self.deadband = col("deadband", np.float64)
        self.on_delay = col("on_delay", np.float64)
        self.off_delay = col("off_delay", np.float64)
        self.window = col("window_s", np.float64)
        self.negate = col("negate", bool)
        kind = np.fromiter((_KINDS[r.kind] for r in rules), dtype=np.int8, count=n)
        self.high = np.isin(kind, [_KINDS[AlarmKind.HI], _KINDS[AlarmKind.HIHI]])
        self.low = np.isin(kind, [_KINDS[AlarmKind.LO], _KINDS[AlarmKind.LOLO]])
        self.roc = kind == _KINDS[AlarmKind.ROC]
        self.dev = kind == _KINDS[AlarmKind.DEV]
        self.disc = kind == _KINDS[AlarmKind.DISC]
        self.badq = kind == _KINDS[AlarmKind.BADQ]
        self.raw = np.zeros(n, dtype=bool)  # condition before delays
        self.condition = np.zeros(n, dtype=bool)  # condition after on/off delays
        self.pending_since = np.full(n, np.nan)
        self.roc_value = np.full(n, np.nan)  # reference point of each rate-of-change window
        self.roc_time = np.full(n, np.nan)
        self.rate = np.full(n, np.nan)  # last measured rate per minute (ROC rules)
        # Suppression by design: a handful of distinct conditions shared by many rules.
        self.conditions: list[Condition] = list(dict.fromkeys(r.suppress for r in rules if r.suppress))
        where = {c: i for i, c in enumerate(self.conditions)}
        self.suppress_group = np.fromiter(
            (where[r.suppress] if r.suppress else -1 for r in rules), dtype=np.intp, count=n
        )
        self.condition_state = np.zeros(len(self.conditions) + 1, dtype=bool)  # last slot: "never"
        self.suppressed = np.zeros(n, dtype=bool)

    def seed(self, rule: int, active: bool, suppressed: bool) -> None:
        """Start rule ``rule`` from a restored state instead of "inactive, not suppressed".

        A restarted engine seeds the conditions it restored from the journal, so the first update
        reports only real changes since: a still-active alarm is not raised again, and a restored
        active one whose value is now normal clears (after its deadband and off-delay as usual).
        """
        self.raw[rule] = self.condition[rule] = bool(active)
        self.pending_since[rule] = np.nan
        group = self.suppress_group[rule]
        if suppressed and group >= 0:
            self.suppressed[rule] = True
            self.condition_state[group] = True

    def update(
        self, values: np.ndarray, valid: np.ndarray, now: float
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Compute new conditions from the value table, apply delays, store them.

        Where the tag's quality is bad or its value is NaN the condition of every rule except BADQ
        is kept, so bad data neither raises nor clears. Returns the indices of rules whose delayed
        condition changed, the indices whose suppression changed, and each rule's value (the rate
        for ROC rules, the deviation for DEV rules).
        """
        if values.shape != (self.n_tags,) or valid.shape != (self.n_tags,):
            raise ValueError(
                f"expected value and validity arrays of shape ({self.n_tags},), "
                f"got {values.shape} and {valid.shape}"
            )
        v = values[self.tag_index]
        ref = values[self.ref_index]
        ok = valid[self.tag_index] & ~np.isnan(v)
        old = self.raw
        lim, db = self.limit, self.deadband
        with np.errstate(invalid="ignore"):
            dev = np.abs(v - ref)
            elapsed = now - self.roc_time
            due = self.roc & ok & (elapsed >= self.window)
            start = self.roc & ok & np.isnan(self.roc_time)
            rate = np.where(due, (v - self.roc_value) / np.where(due, elapsed, 1.0) * 60.0, self.rate)
            high = (v > lim) | (old & (v > lim - db))
            low = (v < lim) | (old & (v < lim + db))
            over_dev = (dev > lim) | (old & (dev > lim - db))
            over_rate = (np.abs(rate) > lim) | (old & (np.abs(rate) > lim - db))
            disc = (v == lim) != self.negate
        new = np.select(
            [self.high, self.low, self.dev, self.roc, self.disc, self.badq],
            [high, low, over_dev, over_rate, disc, ~valid[self.tag_index]],
            default=old,
        )
        usable = ok & np.where(self.dev, valid[self.ref_index] & ~np.isnan(ref), True)
        usable &= np.where(self.roc, due, True)
        new = np.where(usable | self.badq, new, old)
        restart = due | start
        self.roc_value = np.where(restart, v, self.roc_value)
        self.roc_time = np.where(restart, now, self.roc_time)
        self.rate = rate
        self.pending_since = np.where(new != old, now, self.pending_since)
        self.raw = new
        changed = self.advance(now)
        suppress_changed = self._update_suppression(values, valid)
        shown = np.where(self.roc, rate, np.where(self.dev, v - ref, v))
        return changed, suppress_changed, shown

    def advance(self, now: float) -> np.ndarray:
        """Let pending condition changes through whose on/off delay has elapsed; return their indices."""
        delay = np.where(self.raw, self.on_delay, self.off_delay)
        with np.errstate(invalid="ignore"):
            flip = (self.raw != self.condition) & (now - self.pending_since >= delay)
        changed = np.flatnonzero(flip)
        if changed.size:
            self.condition = np.where(flip, self.raw, self.condition)
        return changed

    def next_due(self) -> float:
        """Earliest time at which a pending delayed change will go through (inf if none)."""
        pending = self.raw != self.condition
        if not pending.any():
            return float("inf")
        delay = np.where(self.raw, self.on_delay, self.off_delay)
        return float(np.min((self.pending_since + delay)[pending]))

    def _update_suppression(self, values: np.ndarray, valid: np.ndarray) -> np.ndarray:
        for i, cond in enumerate(self.conditions):
            if valid[cond.tag_index] and not np.isnan(values[cond.tag_index]):
                self.condition_state[i] = bool(_OPS[cond.op](values[cond.tag_index], cond.value))
        new = self.condition_state[self.suppress_group]  # -1 picks the trailing "never" slot
        changed = np.flatnonzero(new != self.suppressed)
        self.suppressed = new
        return changed
