import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from flags import rules as rule_schema

# Variant weights are shares of the experiment's traffic: they must sum to 1
# (a little rounding allowed, e.g. three thirds written 0.333).
WEIGHT_TOLERANCE = 0.001
STAT = {"max_digits": 24, "decimal_places": 12, "null": True, "blank": True}
ICE = [MinValueValidator(1), MaxValueValidator(10)]


class Experiment(models.Model):
    """A growth experiment: a hypothesis, its metrics, and variants served through a flag."""

    class Status(models.TextChoices):
        IDEA = "idea", "Idea"
        PLANNED = "planned", "Planned"
        RUNNING = "running", "Running"
        STOPPED = "stopped", "Stopped"
        DECIDED = "decided", "Decided"

    class Decision(models.TextChoices):
        SHIP = "ship", "Ship"
        ITERATE = "iterate", "Iterate"
        KILL = "kill", "Kill"

    key = models.SlugField(max_length=100, unique=True, help_text="Also the bucketing seed.")
    name = models.CharField(max_length=200)
    hypothesis = models.TextField(blank=True, help_text="If we ..., then ... because ...")
    primary_metric = models.SlugField(
        max_length=64,
        default="purchase",
        help_text='A conversion metric; "purchase" is computed from orders.',
    )
    guardrail_metrics = models.JSONField(
        default=list,
        blank=True,
        help_text='JSON list of metrics that must not get worse: "refund" (more is worse), '
        '"+retained" (more is better).',
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="experiments"
    )
    flag = models.ForeignKey(
        "flags.Flag", null=True, blank=True, on_delete=models.SET_NULL, related_name="experiments"
    )
    variants = models.JSONField(
        default=list,
        blank=True,
        help_text='JSON list, control first: [{"key": "control", "weight": 0.5, "value": false}, '
        '{"key": "treatment", "weight": 0.5, "value": true}]. Weights sum to 1.',
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.IDEA)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True)
    reasoning = models.TextField(blank=True, help_text="Why this decision: the evidence and what comes next.")
    impact = models.PositiveSmallIntegerField(null=True, blank=True, validators=ICE, help_text="1-10")
    confidence = models.PositiveSmallIntegerField(null=True, blank=True, validators=ICE, help_text="1-10")
    ease = models.PositiveSmallIntegerField(null=True, blank=True, validators=ICE, help_text="1-10")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.key}: {self.name}"

    def save(self, *args, **kwargs):
        now = timezone.now()
        if self.status == self.Status.RUNNING and self.started_at is None:
            self.started_at = now
        if self.status in (self.Status.STOPPED, self.Status.DECIDED) and self.ended_at is None:
            self.ended_at = now
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self._check_variants()
        if not isinstance(self.guardrail_metrics, list) or not all(
            isinstance(m, str) and re.fullmatch(r"\+?[-a-zA-Z0-9_]+", m) for m in self.guardrail_metrics
        ):
            raise ValidationError({"guardrail_metrics": 'must be a list of metric names, e.g. ["refund"]'})
        if self.status == self.Status.RUNNING and self.flag_id is None:
            raise ValidationError({"flag": "a running experiment needs the flag that serves its variants"})
        if (
            self.status in (self.Status.RUNNING, self.Status.STOPPED, self.Status.DECIDED)
            and not self.variants
        ):
            raise ValidationError({"variants": "an experiment that has run has variants"})
        if self.status == self.Status.DECIDED and (not self.decision or not self.reasoning.strip()):
            raise ValidationError({"decision": "a decided experiment needs a decision and its reasoning"})
        if self.decision and self.status != self.Status.DECIDED:
            raise ValidationError({"status": "set the status to decided when recording a decision"})
        if self.started_at and self.ended_at and self.ended_at < self.started_at:
            raise ValidationError({"ended_at": "must be after started_at"})

    def _check_variants(self) -> None:
        variants = self.variants
        if variants == []:
            return
        if not isinstance(variants, list) or len(variants) < 2:
            raise ValidationError({"variants": "need at least two variants (control first)"})
        keys = set()
        for number, variant in enumerate(variants, start=1):
            where = f"variant {number}"
            if not isinstance(variant, dict) or set(variant) - {"key", "name", "weight", "value"}:
                raise ValidationError({"variants": f"{where}: an object with key, name, weight and value"})
            key = variant.get("key")
            if not isinstance(key, str) or not re.fullmatch(r"[-a-zA-Z0-9_]{1,64}", key) or key in keys:
                raise ValidationError(
                    {"variants": f"{where}, key: {key!r} is missing, malformed or repeated"}
                )
            keys.add(key)
            weight = variant.get("weight")
            if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 <= weight <= 1:
                raise ValidationError({"variants": f"{where}, weight: {weight!r} is not between 0 and 1"})
            if "value" not in variant:
                raise ValidationError({"variants": f"{where}, value: required (what the flag serves)"})
            if self.flag_id:
                problem = rule_schema.check_value(variant["value"], self.flag.value_type)
                if problem:
                    raise ValidationError({"variants": f"{where}, value: {problem}"})
        total = sum(v["weight"] for v in variants)
        if abs(total - 1) > WEIGHT_TOLERANCE:
            raise ValidationError({"variants": f"weights sum to {total:g}; they must sum to 1"})

    @property
    def ice_score(self) -> Decimal | None:
        """ICE: the mean of impact, confidence and ease (1-10 each)."""
        if None in (self.impact, self.confidence, self.ease):
            return None
        return (Decimal(self.impact + self.confidence + self.ease) / 3).quantize(Decimal("0.1"))

    @property
    def variant_keys(self) -> list[str]:
        return [v["key"] for v in self.variants]

    @property
    def weights(self) -> list[float]:
        return [float(v["weight"]) for v in self.variants]


class Exposure(models.Model):
    """The first time a user was assigned a variant (one row per user and experiment)."""

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="exposures")
    user_key = models.CharField(max_length=255, help_text="The hash attribute's value (e.g. the user id).")
    variant = models.CharField(max_length=64)
    exposed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["experiment", "user_key"], name="exposure_experiment_user_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_key} saw {self.variant} of {self.experiment_id}"


class Conversion(models.Model):
    """A user did something an experiment measures (a purchase, a signup...)."""

    class Source(models.TextChoices):
        CODE = "code", "From code"
        ORDERS = "orders", "From orders"

    user_key = models.CharField(max_length=255)
    metric = models.SlugField(max_length=64)
    value = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal("1"))
    occurred_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.CODE)
    ref = models.CharField(
        max_length=255, blank=True, help_text="Idempotency key, e.g. order:<shop>:<id>; blank for none."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "ref"], condition=~Q(ref=""), name="conversion_metric_ref"
            )
        ]
        indexes = [
            # Results join exposures to each user's conversions of a metric.
            models.Index(fields=["metric", "user_key", "occurred_at"], name="conversion_metric_user"),
        ]

    def __str__(self) -> str:
        return f"{self.metric} by {self.user_key}"


class ExperimentAnalysis(models.Model):
    """The latest results of an experiment, recomputed by ``flags.recompute_results``."""

    class Verdict(models.TextChoices):
        NOT_ENOUGH_DATA = "not_enough_data", "Not enough data yet"
        SRM = "srm", "Sample ratio mismatch: fix the assignment first"
        WINNING = "winning", "Treatment wins"
        LOSING = "losing", "Treatment loses"
        INCONCLUSIVE = "inconclusive", "No significant difference"
        GUARDRAIL = "guardrail", "A guardrail metric got worse"
        NO_RESULT = "no_result", "No result: an arm has no variance"

    experiment = models.OneToOneField(Experiment, on_delete=models.CASCADE, related_name="analysis")
    computed_at = models.DateTimeField(default=timezone.now)
    users = models.PositiveIntegerField(default=0)
    srm_p_value = models.DecimalField(**STAT)
    srm_flagged = models.BooleanField(default=False)
    verdict = models.CharField(max_length=20, choices=Verdict.choices, default=Verdict.NOT_ENOUGH_DATA)
    verdict_reason = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "experiment analyses"

    def __str__(self) -> str:
        return f"{self.experiment.key}: {self.get_verdict_display()}"


class ExperimentResult(models.Model):
    """One variant's figures on one metric, against the control (the first variant)."""

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="results")
    metric = models.SlugField(max_length=64)
    variant = models.CharField(max_length=64)
    position = models.PositiveSmallIntegerField(default=0, help_text="0 is the control.")
    users = models.PositiveIntegerField(default=0)
    conversions = models.PositiveIntegerField(default=0)
    rate = models.DecimalField(**STAT)
    lift = models.DecimalField("relative lift", **STAT)
    ci_low = models.DecimalField("95% CI low", **STAT)
    ci_high = models.DecimalField("95% CI high", **STAT)
    p_value = models.DecimalField(**STAT)
    note = models.CharField(
        "no result because",
        max_length=300,
        blank=True,
        help_text="Why there is no lift, interval nor p-value.",
    )

    class Meta:
        ordering = ["experiment", "metric", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["experiment", "metric", "variant"], name="result_experiment_metric_variant"
            )
        ]

    def __str__(self) -> str:
        return f"{self.experiment_id} {self.metric} {self.variant}"
