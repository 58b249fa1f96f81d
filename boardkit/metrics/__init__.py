"""The board's figures and status rules, each defined once (docs/metrics.md): what a figure
is called, how it is counted, whether a rise is bad and how its number is written
(`registry`), and the red / amber / green rules (`rules`); computed in `figures` (the
KPI figures of a report day) and `status` (each neighbourhood's colour), with `surges`
(新热点), `faq` (the 25问 views) and `compare` (a neighbourhood against the whole area)."""
from .registry import BRIEF, OVERVIEW, REGISTRY, Metric, change_text, value_text
from .rules import RULES, Rule

__all__ = ["BRIEF", "OVERVIEW", "REGISTRY", "Metric", "RULES", "Rule", "change_text", "value_text"]
