"""Recipes: the webhook endpoints and their subscriptions as a JSON file, out and back in.

    {"kind": "bizops-automations", "version": 1,
     "endpoints": [{"name": ..., "url": ..., "format": "json|slack|zapier",
                    "event_types": [...], "enabled": true, "description": ""}]}

Secrets are never written: an imported endpoint gets a fresh signing secret
(rotate it in the admin to see one). A Slack or Zapier URL is itself a
credential, so the export writes it as ``$AUTOMATIONS_URL_<NAME>``, an
environment variable the import reads; any ``url`` may be given that way.
An import checks every entry first (names, URLs and their addresses, formats,
event types) and writes all of it in one transaction, or nothing.
"""

import json
import os
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from bizops.automations.models import WebhookEndpoint
from bizops.automations.transport import RefusedTarget, check_target
from bizops.events import catalogue

KIND = "bizops-automations"
VERSION = 1
FIELDS = ("name", "url", "format", "event_types", "enabled", "description")
CREDENTIAL_URL_FORMATS = {WebhookEndpoint.Format.SLACK, WebhookEndpoint.Format.ZAPIER}


class RecipeError(ValueError):
    pass


def url_variable(name: str) -> str:
    return "AUTOMATIONS_URL_" + re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_")


def export() -> tuple[dict, list[str]]:
    """The recipes document and the environment variables its URLs name."""
    endpoints, variables = [], []
    for ep in WebhookEndpoint.objects.order_by("name"):
        url = ep.url
        if ep.format in CREDENTIAL_URL_FORMATS:
            variables.append(url_variable(ep.name))
            url = "$" + variables[-1]
        endpoints.append(
            {
                "name": ep.name,
                "url": url,
                "format": ep.format,
                "event_types": list(ep.event_types),
                "enabled": ep.enabled,
                "description": ep.description,
            }
        )
    return {"kind": KIND, "version": VERSION, "endpoints": endpoints}, variables


@dataclass
class Plan:
    create: list[dict] = field(default_factory=list)
    update: list[tuple[WebhookEndpoint, dict]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [
            f"create {item['name']} ({item['format']}, {len(item['event_types'])} event types)"
            for item in self.create
        ]
        out += [f"update {ep.name}: {', '.join(sorted(changes))}" for ep, changes in self.update]
        out += [f"unchanged {name}" for name in self.unchanged]
        return out


def _entry(index: int, raw, known_types: set[str], errors: list[str]) -> dict | None:
    where = f"endpoints[{index}]"
    if not isinstance(raw, dict):
        errors.append(f"{where}: must be an object")
        return None
    where = f"{where} ({raw.get('name', '?')})"
    unknown = sorted(set(raw) - set(FIELDS))
    missing = sorted({"name", "url", "event_types"} - set(raw))
    if unknown or missing:
        errors.append(
            f"{where}: "
            + "; ".join(
                ([f"unknown fields {', '.join(unknown)}"] if unknown else [])
                + ([f"missing {', '.join(missing)}"] if missing else [])
            )
        )
        return None
    item = {"format": "json", "enabled": True, "description": "", **raw}
    name, url, types = item["name"], item["url"], item["event_types"]
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        errors.append(f"{where}: name must be text of 1 to 100 characters")
    if item["format"] not in WebhookEndpoint.Format.values:
        errors.append(f"{where}: format must be one of {', '.join(WebhookEndpoint.Format.values)}")
    if not isinstance(item["enabled"], bool) or not isinstance(item["description"], str):
        errors.append(f"{where}: enabled must be true or false and description text")
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        errors.append(f"{where}: event_types must be a list of event type names")
    else:
        bad = [t for t in types if t not in known_types]
        if bad:
            errors.append(f"{where}: unknown event types {', '.join(bad)}")
    if not isinstance(url, str):
        errors.append(f"{where}: url must be text")
        return None
    if url.startswith("$"):
        value = os.environ.get(url[1:], "")
        if not value:
            errors.append(f"{where}: url names the environment variable {url[1:]}, which is not set")
            return None
        item["url"] = url = value
    try:
        check_target(url)
    except RefusedTarget as exc:
        errors.append(f"{where}: {exc}")
    return item


def plan(document) -> Plan:
    """Check every entry; a ``RecipeError`` names each problem, one per line."""
    if not isinstance(document, dict) or document.get("kind") != KIND:
        raise RecipeError(
            f'not a recipes file: expected {{"kind": "{KIND}", "version": {VERSION}, "endpoints": [...]}}'
        )
    if document.get("version") != VERSION:
        raise RecipeError(
            f"recipes version {document.get('version')!r} is not supported (expected {VERSION})"
        )
    entries = document.get("endpoints")
    if not isinstance(entries, list):
        raise RecipeError("endpoints must be a list")
    known = {spec.name for spec in catalogue.subscribable()}
    errors: list[str] = []
    items = [item for i, raw in enumerate(entries) if (item := _entry(i, raw, known, errors))]
    names = [item["name"] for item in items]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        errors.append(f"names repeated in the file: {', '.join(repeated)}")
    if errors:
        raise RecipeError("\n".join(errors))
    existing = {ep.name: ep for ep in WebhookEndpoint.objects.filter(name__in=names)}
    result = Plan()
    for item in items:
        ep = existing.get(item["name"])
        if ep is None:
            result.create.append(item)
            continue
        changes = {f: item[f] for f in FIELDS[1:] if getattr(ep, f) != item[f]}
        if changes:
            result.update.append((ep, changes))
        else:
            result.unchanged.append(ep.name)
    return result


def apply(result: Plan) -> None:
    with transaction.atomic():
        for item in result.create:
            WebhookEndpoint.objects.create(**{f: item[f] for f in FIELDS})
        for ep, changes in result.update:
            for name, value in changes.items():
                setattr(ep, name, value)
            if changes.get("enabled"):
                ep.disabled_at, ep.disabled_reason, ep.consecutive_failures = None, "", 0
            ep.save()


def read(path) -> dict:
    size = os.path.getsize(path)
    if size > settings.IMPORT_MAX_BYTES:
        raise RecipeError(f"{path} is {size:,} bytes, over IMPORT_MAX_BYTES ({settings.IMPORT_MAX_BYTES:,})")
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecipeError(f"{path} is not JSON: {exc}") from None
