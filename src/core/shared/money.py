"""Money: integer minor units plus an ISO 4217 currency, never floats."""

from __future__ import annotations

import dataclasses

from core.shared.errors import InvalidInput

# Minor units per currency (ISO 4217 exponent) for the currencies Lyceum sells in.
MINOR_UNITS = {"USD": 2, "EUR": 2, "ILS": 2, "RUB": 2}


@dataclasses.dataclass(frozen=True, order=True)
class Money:
    amount_minor: int
    currency: str

    def __post_init__(self) -> None:
        if self.currency not in MINOR_UNITS:
            raise InvalidInput(
                "money.currency",
                f"currency must be one of {', '.join(sorted(MINOR_UNITS))}",
                {"currency": self.currency},
            )
        if not isinstance(self.amount_minor, int) or isinstance(self.amount_minor, bool):
            raise InvalidInput("money.amount", "amounts are whole minor units (cents), never fractions")
        if self.amount_minor < 0:
            raise InvalidInput("money.negative", "amounts cannot be negative")

    @property
    def is_free(self) -> bool:
        return self.amount_minor == 0

    def to_dict(self) -> dict[str, object]:
        return {"amount_minor": self.amount_minor, "currency": self.currency}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Money:
        return cls(int(str(data["amount_minor"])), str(data["currency"]))
