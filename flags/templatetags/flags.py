"""Template tags: ``{% load flags %}``

{% flag_on "new-checkout" as checkout_on %}{% if checkout_on %}...{% endif %}
{% flag_value "button-colour" "blue" %}
{% flags_bootstrap %}   the bootstrap JSON (json_script, id "flags-bootstrap")
"""

import json
from typing import Any

from django import template
from django.utils.html import json_script

from flags import api, engine
from flags.bootstrap import bootstrap

register = template.Library()


def _evaluate(context, key: str) -> Any:
    request = context.get("request")
    flags = getattr(request, "flags", None)
    if flags is not None:
        return flags.evaluate(key)
    return api.evaluate(key, context.get("user"))


@register.simple_tag(takes_context=True)
def flag_on(context, key: str) -> bool:
    return engine.js_truthy(_evaluate(context, key))


@register.simple_tag(takes_context=True)
def flag_value(context, key: str, fallback: Any = None) -> Any:
    result = _evaluate(context, key)
    return fallback if result is None else result


@register.simple_tag(takes_context=True)
def flags_bootstrap(context, element_id: str = "flags-bootstrap"):
    return json_script(bootstrap(context.get("request")), element_id)


@register.filter
def as_json(value: Any) -> str:
    """A value as JSON text (change logs show rules as they are written)."""
    return json.dumps(value, ensure_ascii=False, default=str)
