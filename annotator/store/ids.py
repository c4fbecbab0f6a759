"""Identifiers for records that travel between laptops: time-ordered UUIDs (version 7).

Version 7 (RFC 9562) puts the time first, so new records land at the end of the
uuid index instead of at random places in it: bulk writes of millions of annotations
stay fast, and uniqueness across laptops still rests on 74 random bits.
"""

from __future__ import annotations

import os
import time
import uuid

_VERSION = 0x7 << 76
_VARIANT = 0b10 << 62
_RAND_A = (1 << 12) - 1
_RAND_B = (1 << 62) - 1


def _compose(millis: int, random74: int) -> int:
    rand_a = (random74 >> 62) & _RAND_A
    rand_b = random74 & _RAND_B
    return (millis << 80) | _VERSION | (rand_a << 64) | _VARIANT | rand_b


def new_uuid() -> uuid.UUID:
    millis = time.time_ns() // 1_000_000
    return uuid.UUID(int=_compose(millis, int.from_bytes(os.urandom(10)) >> 6))


def uuid_hex_batch(count: int) -> list[str]:
    """``count`` distinct version-7 UUIDs as 32-digit hex, ascending.

    The time and the 12 random bits of ``rand_a`` are shared; the 62 bits of ``rand_b``
    start at a random value and count up (RFC 9562's monotonic random method), so a
    batch of millions made in one millisecond stays unique and ordered, and the hex of
    the shared half is formatted once.
    """
    millis = time.time_ns() // 1_000_000
    random_a = int.from_bytes(os.urandom(2)) & _RAND_A
    start = int.from_bytes(os.urandom(8)) & _RAND_B
    start = min(start, _RAND_B - count)
    high = f"{(millis << 16) | (0x7 << 12) | random_a:016x}"
    return [f"{high}{_VARIANT | (start + i):016x}" for i in range(count)]
