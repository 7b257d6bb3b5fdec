"""The widths of the rollups' time buckets (UTC hours, days and calendar months), and their
edges in Python, so a window can be cut into whole buckets exactly where SQL buckets them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum


class Width(StrEnum):
    """A bucket width; the values are also Resolution's (``hour``, ``day``) where they overlap."""

    HOUR = "hour"
    DAY = "day"
    MONTH = "month"

    def floor(self, ts: datetime) -> datetime:
        """Start of the bucket containing ``ts`` (aware UTC)."""
        ts = ts.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        if self is Width.HOUR:
            return ts
        ts = ts.replace(hour=0)
        return ts if self is Width.DAY else ts.replace(day=1)

    def after(self, start: datetime) -> datetime:
        """Start of the bucket after the one starting at ``start``."""
        if self is Width.HOUR:
            return start + timedelta(hours=1)
        if self is Width.DAY:
            return start + timedelta(days=1)
        return (start + timedelta(days=32)).replace(day=1)

    def ceil(self, ts: datetime) -> datetime:
        """Start of the first bucket starting at or after ``ts``."""
        floor = self.floor(ts)
        return floor if floor == ts else self.after(floor)
