"""A goal of `qfp bench --peers` (goals.py) and the report that gathers them: what was measured,
the target it is judged against, and whether a peer's figure was there to judge it."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Goal:
    name: str
    measured: float
    target: float
    unit: str
    higher_is_better: bool
    detail: str = ""
    judged: bool = True           # False: a peer figure is missing, so no verdict

    @property
    def passed(self) -> bool | None:
        if not self.judged:
            return None
        return self.measured >= self.target if self.higher_is_better else self.measured <= self.target

    def row(self) -> dict:
        return {"goal": self.name, "measured": self.measured, "target": self.target, "unit": self.unit,
                "higher_is_better": self.higher_is_better, "passed": self.passed, "detail": self.detail}


@dataclass
class Report:
    goals: list[Goal] = field(default_factory=list)
    figures: dict = field(default_factory=dict)
    peer_missing: str | None = None
