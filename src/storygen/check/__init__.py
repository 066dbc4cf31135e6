"""`storygen check`: spelling, plain language, accessibility, links and front matter."""

from .diagnostic import Diagnostic, Finding, Rule
from .runner import CheckOptions, Report, all_rules, check_site, problem_report, rule_levels

__all__ = ["CheckOptions", "Diagnostic", "Finding", "Report", "Rule", "all_rules", "check_site",
           "problem_report", "rule_levels"]
