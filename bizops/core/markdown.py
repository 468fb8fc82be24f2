"""Markdown bodies rendered to HTML that is safe to show in the admin."""

import markdown as markdown_lib
import nh3
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

_EXTENSIONS = ["extra", "sane_lists"]
_TAGS = nh3.ALLOWED_TAGS | {
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "p",
    "pre",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "input",
}
_ATTRIBUTES = {
    **nh3.ALLOWED_ATTRIBUTES,
    "input": {"type", "checked", "disabled"},
    "th": {"align"},
    "td": {"align"},
}


def render_markdown(text: str) -> SafeString:
    """Render Markdown and strip anything that could run script (nh3, an allow-list)."""
    html = markdown_lib.markdown(text or "", extensions=_EXTENSIONS, output_format="html")
    clean = nh3.clean(html, tags=_TAGS, attributes=_ATTRIBUTES, link_rel="noopener noreferrer")
    return format_html('<div class="bizops-markdown">{}</div>', mark_safe(clean))  # noqa: S308 - sanitised by nh3
