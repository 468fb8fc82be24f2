"""Every event type bizops emits: its version, its JSON payload fields and a one-line text.

A payload's fields are checked by ``emit``: a missing required field or an
undocumented one is refused, so this catalogue stays the truth the README and
the receivers rely on. A change that breaks receivers (a renamed or removed
field, a changed meaning) raises the type's version; adding an optional field
does not. Every payload may carry ``admin_path`` (the admin page of what it is
about), turned into a link in Slack messages.

Datetimes are ISO 8601 strings in UTC, money and scores decimal strings,
durations whole seconds.
"""

from dataclasses import dataclass, field

ADMIN_PATH = "admin_path"


@dataclass(frozen=True)
class EventType:
    name: str
    version: int
    summary: str
    #: field name -> what it holds; names ending in "?" are optional.
    fields: dict[str, str]
    #: A readable line (Slack), formatted with the payload (missing fields read "?").
    text: str
    #: Sent only when asked for by name: not offered as a subscription to "all events".
    internal: bool = field(default=False)

    @property
    def required(self) -> set[str]:
        return {name for name in self.fields if not name.endswith("?")}

    @property
    def allowed(self) -> set[str]:
        return {name.rstrip("?") for name in self.fields} | {ADMIN_PATH}

    def problems(self, payload: dict) -> list[str]:
        if not isinstance(payload, dict):
            return [f"payload of {self.name} must be a JSON object, not {type(payload).__name__}"]
        problems = []
        missing = sorted(self.required - payload.keys())
        unknown = sorted(payload.keys() - self.allowed)
        if missing:
            problems.append(f"{self.name} payload lacks {', '.join(missing)}")
        if unknown:
            problems.append(f"{self.name} payload has undocumented {', '.join(unknown)}")
        return problems


_DOWN = {
    "down_since": "when the subject went down (ISO 8601)",
    "reminder": "false on the flip, true on each reminder while it stays down",
}

CATALOGUE: dict[str, EventType] = {
    spec.name: spec
    for spec in [
        EventType(
            "job.failed",
            1,
            "A job's run failed (sent on the flip from up to down, then as reminders).",
            {
                "job": "the job's name",
                "run_id": "the JobRun id",
                "error": "the run's error, secrets masked",
                "finished_at": "when the run ended",
                **_DOWN,
            },
            "Job {job} failed (run #{run_id}): {error}",
        ),
        EventType(
            "job.missed",
            1,
            "A job has not succeeded within its interval plus grace.",
            {
                "job": "the job's name",
                "last_success": "its last success, null if never",
                "every_seconds": "how often it must succeed",
                "grace_seconds": "how late it may be",
                **_DOWN,
            },
            "Job {job} missed its run (last success {last_success})",
        ),
        EventType(
            "job.recovered",
            1,
            "A job that was down (failed or missed) succeeded again.",
            {
                "job": "the job's name",
                "run_id?": "the successful JobRun id",
                "down_since": "when it went down",
                "down_seconds": "how long it was down",
            },
            "Job {job} recovered after {down_seconds} s down",
        ),
        EventType(
            "source.stale",
            1,
            "A data source's newest data is older than it may be.",
            {
                "source": "the data source's name",
                "last_loaded_at": "its newest data, null if none",
                "max_age_seconds": "the age it may reach",
                **_DOWN,
            },
            "Data source {source} is stale (newest data {last_loaded_at})",
        ),
        EventType(
            "health.score_dropped",
            1,
            "The weekly health score fell by more than HEALTH_SCORE_DROP_ALERT points.",
            {
                "score": "this week's score (0-100)",
                "previous_score": "the previous report's score",
                "drop": "previous_score - score",
                "threshold": "HEALTH_SCORE_DROP_ALERT",
                "report": "the health report's slug",
            },
            "Health score fell {drop} points to {score} (was {previous_score})",
        ),
        EventType(
            "health.report_ready",
            1,
            "A report (the weekly health report, ...) was written.",
            {"kind": "the report's kind", "report": "its slug", "title": "its title", "score?": "its score"},
            "Report ready: {title}",
        ),
        EventType(
            "experiment.sample_reached",
            1,
            "An experiment reached its minimum sample (users per variant and conversions).",
            {"experiment": "the experiment's key", "users": "users exposed", "conversions": "conversions"},
            "Experiment {experiment} reached its sample ({users} users, {conversions} conversions)",
        ),
        EventType(
            "experiment.srm_detected",
            1,
            "An experiment's split differs from its weights (sample ratio mismatch).",
            {
                "experiment": "the experiment's key",
                "srm_p_value": "the chi-square p-value",
                "threshold": "FLAGS_SRM_THRESHOLD",
            },
            "Experiment {experiment}: sample ratio mismatch (p = {srm_p_value})",
        ),
        EventType(
            "experiment.decided",
            1,
            "An experiment was decided.",
            {"experiment": "the experiment's key", "decision": "the decision", "reasoning": "why"},
            "Experiment {experiment} decided: {decision}",
        ),
        EventType(
            "flag.changed",
            1,
            "A feature flag was created, changed, deleted, reverted, changed by its schedule or imported.",
            {
                "flag": "the flag's key",
                "change": "created, changed, deleted, reverted, scheduled or imported",
                "by": "who, empty if unknown",
            },
            "Flag {flag} {change} by {by}",
        ),
        EventType(
            "flag.stale",
            1,
            "A feature flag became stale (past its lifetime, uniform or unused).",
            {
                "flag": "the flag's key",
                "reason": "why it is stale",
                "down_since?": "when it became stale",
                "reminder?": "false the first time, true on reminders",
            },
            "Flag {flag} is stale: {reason}",
        ),
        EventType(
            "ticket.created",
            1,
            "A backlog ticket was created (from a finding, the audit or by hand).",
            {
                "ticket": "the ticket's key",
                "title": "its title",
                "priority": "its priority",
                "source": "what created it",
            },
            "Ticket {ticket} created ({priority}): {title}",
        ),
        EventType(
            "forecast.ready",
            1,
            "A forecast run was computed.",
            {
                "scenario": "the scenario's name",
                "run_id": "the ForecastRun id",
                "produced_by": "who or what ran it",
            },
            "Forecast ready: {scenario} (run #{run_id})",
        ),
        EventType(
            "etl.run_finished",
            1,
            "An ETL job (a pull, the metrics, the nightly pipeline) finished, from beat, a command or CI.",
            {
                "job": "the job's name",
                "status": "succeeded or failed",
                "rows_read": "rows read",
                "rows_written": "rows written",
                "run_id": "the JobRun id",
            },
            "ETL {job} {status}: {rows_written} rows written",
        ),
        EventType(
            "endpoint.disabled",
            1,
            "A webhook endpoint was disabled after repeated failed deliveries (or a 410 Gone).",
            {"endpoint": "the endpoint's name", "reason": "why", "failures": "failed deliveries in a row"},
            "Webhook endpoint {endpoint} disabled: {reason}",
        ),
        EventType(
            "webhook.test",
            1,
            'Sent by the admin action "Send test event" to one endpoint.',
            {"endpoint": "the endpoint's name", "message": "a fixed text"},
            "Test event for {endpoint}: {message}",
            internal=True,
        ),
    ]
}


class UnknownEventType(ValueError):
    pass


def get(name: str) -> EventType:
    try:
        return CATALOGUE[name]
    except KeyError:
        raise UnknownEventType(f"unknown event type {name!r} (see bizops.events.catalogue)") from None


def subscribable() -> list[EventType]:
    return [spec for spec in CATALOGUE.values() if not spec.internal]


def render_text(name: str, payload: dict) -> str:
    """The event's readable line, every payload value in place (a missing one reads "?")."""

    class Missing(dict):
        def __missing__(self, key):
            return "?"

    return get(name).text.format_map(Missing({k: "" if v is None else v for k, v in payload.items()}))
