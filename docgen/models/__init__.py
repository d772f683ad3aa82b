"""Pydantic models of the records docgen accepts."""

from .activity_plan import ActivityPlan, Investigation, Measure, MeasureLevel, TemporaryMeasure, Views
from .common import Case, Channel, Choice, Concern, Document, Guardian, Pupil, Reporter, School, Staff

__all__ = [
    "ActivityPlan",
    "Case",
    "Channel",
    "Choice",
    "Concern",
    "Document",
    "Guardian",
    "Investigation",
    "Measure",
    "MeasureLevel",
    "Pupil",
    "Reporter",
    "School",
    "Staff",
    "TemporaryMeasure",
    "Views",
]
