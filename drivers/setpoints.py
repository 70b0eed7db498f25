"""Whether an operator's setpoint may be written to a tag, and if not, why (in words).

Checked before anything is queued for the device, so a bad value never reaches a PLC: it is refused
with a reason the operator can act on. Nothing here raises, whatever the caller passes.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from drivers.codec import int_range
from drivers.reasons import show_value
from drivers.types import DataType, TagBinding

# A scaled setpoint lands on an integer register only if it is a whole raw count; floating point
# arithmetic in the scaling (12.3 -> 123.00000000000001) must not count as a fraction.
RAW_INTEGRAL_TOLERANCE = 1e-9  # relative


def write_refusal(binding: TagBinding | None, tag: str, value: object) -> str:
    """Why ``value`` must not be written to ``tag`` ("" when it may)."""
    if binding is None:
        return f"tag {tag!r} is not served by this device"
    if binding.data_type is DataType.STRING:
        return f"tag {tag!r} is a string; only numeric setpoints can be written"
    if not binding.writable:
        return f"tag {tag!r} is read-only"
    number = as_number(value)
    if isinstance(number, str):
        return number
    if binding.data_type is DataType.BOOL and number not in (0, 1):
        return f"{number:g} is not a valid bool (0 or 1)"
    if not binding.write_low <= number <= binding.write_high:
        return f"{number:g} is outside the write limits [{binding.write_low:g}, {binding.write_high:g}]"
    limits = int_range(binding.data_type)
    if limits is not None:
        raw = binding.unscale(number)
        whole = round(raw)
        if abs(raw - whole) > RAW_INTEGRAL_TOLERANCE * max(1.0, abs(raw)):
            if binding.scaling is None:
                return f"{number!r} is not a whole number; tag {tag!r} holds {binding.data_type.value} values"
            return (
                f"{number!r} would be raw {raw:.10g}, not a whole number; tag {tag!r} holds scaled "
                f"{binding.data_type.value} values (nothing is rounded silently)"
            )
        if not limits[0] <= whole <= limits[1]:
            return f"raw value {whole} does not fit {binding.data_type.value}"
    return ""


def as_number(value: object) -> float | str:
    """``value`` as a finite float, or the sentence saying why it is not one."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        return f"value {show_value(value)} is not a number"
    try:
        number = float(value)
    except OverflowError:
        return f"value {show_value(value)} is too large to be a setpoint"
    if not math.isfinite(number):
        return f"value {show_value(value)} is not a finite number"
    return number
