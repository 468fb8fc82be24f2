"""New versions of assumption sets: the only way an assumption set changes."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from finance.drivers import NAMES
from finance.models import AssumptionSet, Scenario

VERSIONED_FIELDS = (
    "revenue_model",
    "start_month",
    *NAMES,
    "commerce",
    "repeat_curve",
    "prior_cohorts",
    "one_off_costs",
    "sources",
    "note",
)


@dataclass
class NewVersion:
    assumption_set: AssumptionSet
    scenarios: list[Scenario]


def differences(old: AssumptionSet | None, new: AssumptionSet) -> list[tuple[str, object, object]]:
    """``(field, old value, new value)`` for every versioned field that differs."""
    if old is None:
        return []
    changed = []
    for field in VERSIONED_FIELDS:
        before, after = getattr(old, field), getattr(new, field)
        # Decimals compare by value: 5.000 and 5 are the same churn.
        if before != after:
            changed.append((field, before, after))
    return changed


def latest(name: str) -> AssumptionSet | None:
    return AssumptionSet.objects.filter(name=name).order_by("-version").first()


@transaction.atomic
def save_new_version(draft: AssumptionSet, *, user=None) -> NewVersion:
    """Save ``draft`` (a new or edited, unsaved copy) as the next version of its name.

    The scenarios of every earlier version of the name move onto the new one;
    forecast runs keep pointing at the version they used.
    """
    # Serialise concurrent saves of the same set on PostgreSQL; the unique
    # (name, version) constraint stops a second first-version anyway.
    newest = AssumptionSet.objects.select_for_update().filter(name=draft.name).order_by("-version").first()
    draft.pk = None
    draft._state.adding = True
    draft.version = newest.version + 1 if newest else 1
    draft.previous = newest
    draft.created_by = user if user is not None and user.is_authenticated else None
    draft.created_at = timezone.now()
    draft.save()
    scenarios = list(
        Scenario.objects.filter(assumption_set__name=draft.name).exclude(assumption_set=draft).order_by("pk")
    )
    for scenario in scenarios:
        # One save each (not update()) so the move shows in the scenario's history.
        scenario.assumption_set = draft
        scenario.save(update_fields=["assumption_set"])
    return NewVersion(draft, scenarios)
