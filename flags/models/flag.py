import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from flags import rules as rule_schema


def off_value() -> bool:
    return False


class FlagQuerySet(models.QuerySet):
    def stale(self, now=None) -> "FlagQuerySet":
        """Flags past their type's lifetime, serving one value to everyone for too
        long, or not evaluated for too long (see ``Flag.stale_reasons``)."""
        now = now or timezone.now()
        query = Q()
        for kind, days in settings.FLAGS_LIFETIME_DAYS.items():
            if days:
                query |= Q(kind=kind, created_at__lt=now - timedelta(days=days))
        query |= Q(uniform_since__lt=now - timedelta(days=settings.FLAGS_STALE_UNIFORM_DAYS))
        unused = now - timedelta(days=settings.FLAGS_STALE_UNUSED_DAYS)
        query |= Q(last_evaluated_at__lt=unused) | Q(last_evaluated_at=None, created_at__lt=unused)
        return self.filter(query)


class Flag(models.Model):
    """A feature flag: a kill switch, a default value and ordered targeting rules."""

    class Kind(models.TextChoices):
        RELEASE = "release", "Release"
        EXPERIMENT = "experiment", "Experiment"
        OPS = "ops", "Ops"
        PERMISSION = "permission", "Permission"

    class ValueType(models.TextChoices):
        BOOLEAN = "boolean", "Boolean"
        STRING = "string", "String"
        NUMBER = "number", "Number"
        JSON = "json", "JSON"

    key = models.SlugField(
        max_length=100, unique=True, help_text='Used in code: flags.is_on("new-checkout").'
    )
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="flags"
    )
    kind = models.CharField("type", max_length=12, choices=Kind.choices, default=Kind.RELEASE)
    enabled = models.BooleanField(
        default=False,
        help_text="The kill switch. Off: the flag is off for everyone and code gets its own fallback value.",
    )
    value_type = models.CharField(max_length=10, choices=ValueType.choices, default=ValueType.BOOLEAN)
    default_value = models.JSONField(
        default=off_value,
        blank=True,
        help_text='JSON: served when no rule applies (false, "blue", 3, {...}).',
    )
    rules = models.JSONField(
        default=list,
        blank=True,
        help_text="JSON list, tried in order; the first rule that applies decides (reference below).",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    last_evaluated_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Sampled: updated at most every few minutes."
    )
    uniform_since = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="Since when every user gets the same value (0% or 100%).",
    )

    objects = FlagQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at", "last_evaluated_at", "uniform_since"])

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key

    def save(self, *args, **kwargs):
        self.track_uniform()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        problem = rule_schema.check_value(self.default_value, self.value_type)
        if problem:
            raise ValidationError({"default_value": problem})
        try:
            rule_schema.validate_rules(self.rules, self.value_type)
        except rule_schema.RuleError as exc:
            raise ValidationError({"rules": str(exc)}) from None
        self._check_experiments()

    def _check_experiments(self) -> None:
        from flags.models.experiment import Experiment

        keys = [rule["experiment"] for rule in self.rules if "experiment" in rule]
        # An import checking thousands of flags hands over every experiment at once.
        found = getattr(self, "_known_experiments", None)
        if found is None:
            found = {e.key: e for e in Experiment.objects.filter(key__in=keys)}
        for index, rule in enumerate(self.rules):
            key = rule.get("experiment")
            if key is None:
                continue
            where = f"rule {index + 1}, experiment"
            experiment = found.get(key)
            if experiment is None:
                raise ValidationError(
                    {
                        "rules": f"{where}: experiment {key!r} does not exist yet: create it under "
                        f"Feature flags > Experiments first (its key must be {key!r}), or save the flag "
                        "without this rule and add it afterwards"
                    }
                )
            if experiment.flag_id != self.pk:
                raise ValidationError({"rules": f"{where}: experiment {key!r} is not linked to this flag"})

    def track_uniform(self) -> None:
        """Stale-flag detection needs to know how long a flag has served one
        value to everyone; keep the start of that stretch, not every save
        (called by ``save`` and by bulk imports, which do not call it)."""
        if not self.serves_everyone_the_same():
            self.uniform_since = None
        elif self.uniform_since is None:
            self.uniform_since = timezone.now()

    def serves_everyone_the_same(self) -> bool:
        if not self.enabled:
            return True
        uniform, _ = rule_schema.uniform_value(self.rules or [], self.default_value)
        return uniform

    @property
    def rollout(self) -> float | None:
        """The share of users (0-100) the rules turn the flag on for, when one
        number says it (no rules, or one unconditional rollout of an "on" value
        over an "off" default); None for anything more targeted."""
        active = [r for r in self.rules if not rule_schema.never_applies(r)]
        if not active:
            return 100 if self.default_value else 0
        rule = active[0]
        if len(active) > 1 or rule_schema.splits_users({**rule, "percentage": 100}):
            return None
        if not rule["value"] or self.default_value:
            return None
        return rule.get("percentage", 100)

    def stale_reasons(self, now=None) -> list[str]:
        now = now or timezone.now()
        reasons = []
        lifetime = settings.FLAGS_LIFETIME_DAYS.get(self.kind, 0)
        if lifetime and self.created_at < now - timedelta(days=lifetime):
            reasons.append(
                f"older than the {lifetime}-day lifetime of a {self.get_kind_display().lower()} flag"
            )
        uniform_days = settings.FLAGS_STALE_UNIFORM_DAYS
        if self.uniform_since and self.uniform_since < now - timedelta(days=uniform_days):
            state = "off" if not self.enabled else "the same value"
            days = (now - self.uniform_since).days
            reasons.append(f"{state} for everyone (0% or 100%) for {days} days (limit {uniform_days})")
        unused_days = settings.FLAGS_STALE_UNUSED_DAYS
        seen = self.last_evaluated_at or self.created_at
        if seen < now - timedelta(days=unused_days):
            when = "never evaluated" if self.last_evaluated_at is None else "not evaluated"
            reasons.append(f"{when} in the last {unused_days} days")
        return reasons


class ScheduledChange(models.Model):
    """Turns a flag on or off at a given time (precise to the second: the
    in-process snapshot applies it when due; a task then records it)."""

    flag = models.ForeignKey(Flag, on_delete=models.CASCADE, related_name="scheduled_changes")
    at = models.DateTimeField("takes effect at")
    enabled = models.BooleanField(help_text="Checked: turn the flag on at that time; unchecked: turn it off.")
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    applied_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["at"]
        indexes = [
            # The snapshot and the apply task read the pending changes.
            models.Index(fields=["applied_at", "at"], name="flags_sched_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.flag.key}: {'on' if self.enabled else 'off'} at {self.at:%Y-%m-%d %H:%M}"


def new_client_key() -> str:
    return "sdk-" + secrets.token_urlsafe(18)


class ClientKey(models.Model):
    """A key a front end uses to fetch the flags (``/flags/sdk/<key>.json``).

    Like GrowthBook's client keys it is public (it ships in page source): it
    says which consumer is asking and can be revoked; it grants no write.
    """

    name = models.CharField(max_length=100, help_text='Who uses it, e.g. "storefront".')
    key = models.CharField(max_length=64, unique=True, default=new_client_key, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key[:10]}…)"

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class SnapshotVersion(models.Model):
    """One row: bumped in the same transaction as any flag change, read at
    most once per request to know when the in-process snapshot is out of date."""

    version = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"flags snapshot v{self.version}"
