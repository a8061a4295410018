"""Subscription plans and their limits."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class PlanLimits:
    """What a plan allows."""

    max_lattices: int
    max_cells: int
    bulk_max: int


@dataclass(frozen=True)
class Plan:
    """A plan offered to users."""

    id: str
    name: str
    limits: PlanLimits

    def to_json(self) -> dict[str, object]:
        """The plan as listed by ``GET /api/v1/plans``."""
        return {"id": self.id, "name": self.name, "limits": asdict(self.limits)}


PLANS: dict[str, Plan] = {
    "free": Plan("free", "Free", PlanLimits(max_lattices=500, max_cells=1_000_000, bulk_max=100)),
    "pro": Plan("pro", "Pro", PlanLimits(max_lattices=5_000, max_cells=10_000_000, bulk_max=500)),
    "enterprise": Plan(
        "enterprise", "Enterprise", PlanLimits(max_lattices=50_000, max_cells=100_000_000, bulk_max=1_000)
    ),
}
FREE = PLANS["free"]
