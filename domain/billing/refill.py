"""Auto-refill as LibreChat decides it (`checkBalance` with `getRefillEligibilityDate`):
refill when the turn would leave nothing, auto-refill is on with a positive amount, and an
interval has passed since the last refill."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from domain.billing.rules import credits
from domain.shared.errors import Invalid

REFILL_INTERVAL_UNITS = ("seconds", "minutes", "hours", "days", "weeks", "months")

_FIXED = {
    "seconds": timedelta(seconds=1),
    "minutes": timedelta(minutes=1),
    "hours": timedelta(hours=1),
    "days": timedelta(days=1),
    "weeks": timedelta(weeks=1),
}


@dataclass(frozen=True)
class RefillPolicy:
    """LibreChat's `balance:` refill settings (`autoRefillEnabled`, `refillIntervalValue`,
    `refillIntervalUnit`, `refillAmount`), with its schema defaults."""

    enabled: bool = False
    interval_value: int = 30
    interval_unit: str = "days"
    amount: Decimal = field(default=Decimal(0))

    def __post_init__(self) -> None:
        if self.interval_unit not in REFILL_INTERVAL_UNITS:
            raise Invalid(f"refillIntervalUnit must be one of {', '.join(REFILL_INTERVAL_UNITS)}")
        if isinstance(self.interval_value, bool) or not isinstance(self.interval_value, int):
            raise Invalid("refillIntervalValue must be an integer")
        object.__setattr__(self, "amount", credits(self.amount, field="refillAmount"))

    def due(
        self, available: Decimal, cost: Decimal, last_refill: datetime | None, now: datetime
    ) -> bool:
        if not (self.enabled and self.amount > 0 and available - cost <= 0):
            return False
        if last_refill is None:
            return True
        return now >= refill_eligible_at(last_refill, self.interval_value, self.interval_unit)


def refill_eligible_at(last_refill: datetime, value: int, unit: str) -> datetime:
    """When the next refill may happen. Months move the calendar month and keep the day,
    overflowing as JavaScript's `setMonth` does (31 January + 1 month = 3 March)."""
    if unit in _FIXED:
        return last_refill + _FIXED[unit] * value
    if unit == "months":
        years, month = divmod(last_refill.month - 1 + value, 12)
        first = last_refill.replace(year=last_refill.year + years, month=month + 1, day=1)
        return first + timedelta(days=last_refill.day - 1)
    return last_refill  # LibreChat's exhaustive switch falls through unchanged
