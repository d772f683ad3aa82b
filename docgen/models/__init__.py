"""Pydantic models of the records docgen accepts.

Each document type's model is built on first use: building a pydantic model
costs tens of milliseconds, and a command needs only one of them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .base import Choice
from .common import Case, CaseDocument, Channel, Concern, Document, Guardian, Pupil, Reporter, School, Staff

if TYPE_CHECKING:
    from .activity_plan import ActivityPlan, Investigation, Measure, MeasureLevel, TemporaryMeasure, Views
    from .best_interest import Aspect, BestInterest, Consideration, Considerations, OtherChild
    from .concern_receipt import ConcernReceipt, Meeting, Method, Setting
    from .strategy import Strategy

_LAZY = {
    "ActivityPlan": "activity_plan", "Investigation": "activity_plan", "Measure": "activity_plan",
    "MeasureLevel": "activity_plan", "TemporaryMeasure": "activity_plan", "Views": "activity_plan",
    "ConcernReceipt": "concern_receipt", "Meeting": "concern_receipt", "Method": "concern_receipt",
    "Setting": "concern_receipt",
    "BestInterest": "best_interest", "Aspect": "best_interest", "Consideration": "best_interest",
    "Considerations": "best_interest", "OtherChild": "best_interest",
    "Strategy": "strategy",
}

__all__ = [
    "ActivityPlan", "Aspect", "BestInterest", "Case", "CaseDocument", "Channel", "Choice", "Concern", "ConcernReceipt",
    "Consideration", "Considerations", "Document", "Guardian", "Investigation", "Measure", "MeasureLevel", "Meeting",
    "Method", "OtherChild", "Pupil", "Reporter", "School", "Setting", "Staff", "Strategy", "TemporaryMeasure", "Views",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'docgen.models' has no attribute {name!r}")
    return getattr(import_module(f"docgen.models.{module}"), name)
