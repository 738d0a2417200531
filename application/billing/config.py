"""LibreChat's `balance:` block: chronicle.yaml's top-level `balance:`, then the environment."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import msgspec

from domain.billing.refill import REFILL_INTERVAL_UNITS, RefillPolicy


class BalanceError(ValueError):
    """A `balance:` value is wrong; the message names it."""


class BalanceSettings(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Field for field LibreChat's `balanceSchema`, with its defaults: off unless enabled;
    once on, 20,000 credits ($0.02) to start and 10,000 per refill."""

    enabled: bool = False
    start_balance: int = 20_000
    auto_refill_enabled: bool = False
    refill_interval_value: int = 30
    refill_interval_unit: str = "days"
    refill_amount: int = 10_000

    def as_librechat(self) -> dict[str, Any]:
        """The object `/api/config` serves as `balance` (LibreChat's names)."""
        return msgspec.to_builtins(self)  # type: ignore[no-any-return]

    def refill_policy(self) -> RefillPolicy:
        return RefillPolicy(
            enabled=self.auto_refill_enabled,
            interval_value=self.refill_interval_value,
            interval_unit=self.refill_interval_unit,
            amount=Decimal(self.refill_amount),
        )


# Environment variable → LibreChat's key in `balance:`; the environment wins over the file.
BALANCE_ENV_NAMES = {
    "CHRONICLE_BALANCE_ENABLED": "enabled",
    "CHRONICLE_BALANCE_START": "startBalance",
    "CHRONICLE_BALANCE_AUTO_REFILL": "autoRefillEnabled",
    "CHRONICLE_BALANCE_REFILL_INTERVAL_VALUE": "refillIntervalValue",
    "CHRONICLE_BALANCE_REFILL_INTERVAL_UNIT": "refillIntervalUnit",
    "CHRONICLE_BALANCE_REFILL_AMOUNT": "refillAmount",
}
_KEY_TO_ENV = {key: env for env, key in BALANCE_ENV_NAMES.items()}


def load_balance(environ: Mapping[str, str], section: object) -> BalanceSettings:
    if section is None:
        section = {}
    if not isinstance(section, dict):
        raise BalanceError("balance: must be a mapping")
    raw: dict[str, Any] = dict(section)
    for env_name, key in BALANCE_ENV_NAMES.items():
        if environ.get(env_name):
            raw[key] = environ[env_name]
    for key in raw:
        if key not in _KEY_TO_ENV:
            raise BalanceError(f"balance.{key}: unknown setting")
    try:
        balance = msgspec.convert(raw, BalanceSettings, strict=False)
    except msgspec.ValidationError as error:
        key = str(error).rsplit("$.", 1)[-1].rstrip("`") if "$." in str(error) else ""
        raise BalanceError(_problem(key, str(error).split(" - at")[0])) from None
    _check(balance)
    return balance


def _check(balance: BalanceSettings) -> None:
    if balance.refill_interval_unit not in REFILL_INTERVAL_UNITS:
        units = ", ".join(REFILL_INTERVAL_UNITS)
        raise BalanceError(_problem("refillIntervalUnit", f"must be one of {units}"))
    for key, value in (
        ("startBalance", balance.start_balance),
        ("refillIntervalValue", balance.refill_interval_value),
        ("refillAmount", balance.refill_amount),
    ):
        if value < 0:
            raise BalanceError(_problem(key, "must be 0 or more"))


def _problem(key: str, problem: str) -> str:
    """`balance.refillAmount: Expected `int`, got `str` (CHRONICLE_BALANCE_REFILL_AMOUNT)`."""
    if key not in _KEY_TO_ENV:
        return f"balance: {problem}"
    return f"balance.{key}: {problem} ({_KEY_TO_ENV[key]})"
