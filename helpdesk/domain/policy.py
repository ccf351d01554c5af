"""Policy parameters: figures the inspectorate may change without a code change."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpdesk.domain.types import Category, Party


class PolicyInvalid(ValueError):
    """The policy file is missing a value or holds one that makes no sense."""


@dataclass(frozen=True)
class Policy:
    claim_target_urgent_min: int = 5
    claim_target_other_min: int = 15
    nearing_fraction: float = 0.5
    pause_default_days: int = 1
    pause_max_days: dict[str, int] = field(
        default_factory=lambda: {
            "schools": 5,
            "early_years": 5,
            "further_education": 5,
            "la_childrens_services": 15,
        }
    )
    retention_min_years: int = 6
    # who must be recorded as informed of the decision in force before the call may close
    informed_of_authorised: tuple[str, ...] = ("lead_inspector", "school", "responsible_body")
    informed_of_declined: tuple[str, ...] = ("lead_inspector", "caller")
    # categories of call that close only with signposting offered, or a reason why not
    signposting_required_for: tuple[str, ...] = ("wellbeing", "pause_request")
    # follow-ups: a working day starts at this London time; an authorised pause's resumption
    # check falls due at the start of the N-th working day before the resume date; a review
    # that needs follow-up gives the senior this many working days
    working_day_starts: dt.time = dt.time(9, 0)
    resumption_check_working_days_before: int = 1
    review_follow_up_working_days: int = 2
    # supervisors are alerted to a follow-up overdue by more than this
    escalate_follow_up_after_minutes: int = 60
    # and to an exceptional pause still awaiting countersignature this long after it was decided
    escalate_countersignature_after_minutes: int = 30
    # a call shows the other calls about its school or inspection that are open or this recent
    related_calls_days: int = 14
    alert_acknowledge_minutes: int = 5  # an e-mail alert not acknowledged goes to the next on the rota

    def claim_target_min(self, urgent: bool) -> int:
        return self.claim_target_urgent_min if urgent else self.claim_target_other_min


def parse_policy(text: str) -> Policy:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PolicyInvalid(f"policy file is not valid TOML: {error}") from None
    try:
        claim = raw["time_to_claim"]
        pause = raw["pause"]
        policy = Policy(
            claim_target_urgent_min=int(claim["urgent_minutes"]),
            claim_target_other_min=int(claim["other_minutes"]),
            nearing_fraction=float(claim.get("nearing_fraction", 0.5)),
            pause_default_days=int(pause["default_working_days"]),
            pause_max_days={str(k): int(v) for k, v in pause["max_working_days"].items()},
            retention_min_years=int(raw.get("retention", {}).get("minimum_years", 6)),
            **_closing(raw.get("close", {})),
            **_follow_up(raw.get("follow_up", {})),
            **_history(raw.get("history", {})),
            **_countersignature(pause),
            **_alerts(raw.get("alerts", {})),
        )
    except KeyError as error:
        raise PolicyInvalid(f"policy file has no {error.args[0]!r} value") from None
    except (TypeError, ValueError) as error:
        raise PolicyInvalid(f"policy file holds a value that is not a number: {error}") from None
    if problems := out_of_bounds(policy):
        raise PolicyInvalid("; ".join(problems))
    return policy


# The bounds a policy is held to. A policy file sets the helpline's own figures within them; it
# cannot loosen what the inspectorate published or what the record must keep.
PUBLISHED_MAX_WORKING_DAYS = {"schools": 5, "early_years": 5, "further_education": 5, "la_childrens_services": 15}
RETENTION_MIN_YEARS = 6  # the shortest time a closed call is kept (the helpline's records schedule)


def out_of_bounds(policy: Policy) -> list[str]:
    """Every value of `policy` outside its bounds, each in words (empty: none)."""
    problems: list[str] = []

    def within(value: float, low: float, high: float, what: str, unit: str) -> None:
        if not low <= value <= high:
            problems.append(f"{what} must be {low:g} to {high:g} {unit}, not {value:g}")

    within(policy.claim_target_urgent_min, 1, 60, "time_to_claim.urgent_minutes", "minutes")
    within(policy.claim_target_other_min, 1, 24 * 60, "time_to_claim.other_minutes", "minutes")
    if not 0 < policy.nearing_fraction < 1:
        problems.append(f"time_to_claim.nearing_fraction must lie between 0 and 1, not {policy.nearing_fraction:g}")
    missing = sorted(set(PUBLISHED_MAX_WORKING_DAYS) - set(policy.pause_max_days))
    if missing:
        problems.append(f"pause.max_working_days has no limit for {', '.join(missing)}")
    unknown = sorted(set(policy.pause_max_days) - set(PUBLISHED_MAX_WORKING_DAYS))
    if unknown:
        problems.append(f"pause.max_working_days names {', '.join(unknown)}: not a remit")
    for remit, days in sorted(policy.pause_max_days.items()):
        if remit in PUBLISHED_MAX_WORKING_DAYS:
            within(days, 1, PUBLISHED_MAX_WORKING_DAYS[remit], f"pause.max_working_days.{remit}", "working days")
    least = min(policy.pause_max_days.values(), default=1)
    within(policy.pause_default_days, 1, max(least, 1), "pause.default_working_days", "working days")
    within(policy.retention_min_years, RETENTION_MIN_YEARS, 100, "retention.minimum_years", "years")
    within(
        policy.resumption_check_working_days_before,
        1,
        10,
        "follow_up.resumption_check_working_days_before",
        "working days",
    )
    within(policy.review_follow_up_working_days, 1, 20, "follow_up.review_follow_up_working_days", "working days")
    within(policy.escalate_follow_up_after_minutes, 1, 24 * 60, "follow_up.escalate_follow_up_after_minutes", "minutes")
    within(
        policy.escalate_countersignature_after_minutes,
        1,
        24 * 60,
        "pause.escalate_countersignature_after_minutes",
        "minutes",
    )
    within(policy.related_calls_days, 1, 366, "history.related_calls_days", "days")
    within(policy.alert_acknowledge_minutes, 1, 60, "alerts.acknowledge_minutes", "minutes")
    return problems


def _closing(close: dict[str, object]) -> dict[str, Any]:
    """The [close] table: lists of parties and categories, each checked against the vocabulary."""
    found: dict[str, Any] = {}
    for key, vocabulary in (
        ("informed_of_authorised", Party),
        ("informed_of_declined", Party),
        ("signposting_required_for", Category),
    ):
        if key not in close:
            continue
        values = close[key]
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise PolicyInvalid(f"close.{key} must be a list of words")
        if unknown := [v for v in values if v not in vocabulary.values()]:
            raise PolicyInvalid(f"close.{key} names {', '.join(unknown)}: not one of {', '.join(vocabulary.values())}")
        found[key] = tuple(values)
    return found


def _follow_up(follow_up: dict[str, Any]) -> dict[str, Any]:
    """The [follow_up] table: every value has a default."""
    found: dict[str, Any] = {}
    if "working_day_starts" in follow_up:
        try:
            found["working_day_starts"] = dt.time.fromisoformat(str(follow_up["working_day_starts"]))
        except ValueError:
            raise PolicyInvalid('follow_up.working_day_starts must be a time such as "09:00"') from None
    for key, unit in (
        ("resumption_check_working_days_before", "working days"),
        ("review_follow_up_working_days", "working days"),
        ("escalate_follow_up_after_minutes", "minutes"),
    ):
        if key in follow_up:
            value = follow_up[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise PolicyInvalid(f"follow_up.{key} must be a whole number of {unit}, at least 1")
            found[key] = value
    return found


def _countersignature(pause: dict[str, Any]) -> dict[str, Any]:
    if "escalate_countersignature_after_minutes" not in pause:
        return {}
    value = pause["escalate_countersignature_after_minutes"]
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 24 * 60:
        raise PolicyInvalid(
            "pause.escalate_countersignature_after_minutes must be a whole number of minutes, from 1 to 1440"
        )
    return {"escalate_countersignature_after_minutes": value}


def _history(history: dict[str, Any]) -> dict[str, Any]:
    if "related_calls_days" not in history:
        return {}
    value = history["related_calls_days"]
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise PolicyInvalid("history.related_calls_days must be a whole number of days")
    return {"related_calls_days": value}


def _alerts(alerts: dict[str, Any]) -> dict[str, Any]:
    if "acknowledge_minutes" not in alerts:
        return {}
    value = alerts["acknowledge_minutes"]
    if not isinstance(value, int) or isinstance(value, bool):
        raise PolicyInvalid("alerts.acknowledge_minutes must be a whole number of minutes")
    return {"alert_acknowledge_minutes": value}


def load_policy(path: Path) -> Policy:
    return parse_policy(path.read_text(encoding="utf-8"))
