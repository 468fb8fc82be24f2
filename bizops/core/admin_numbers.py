"""Numbers in the admin's lists and read-only pages as people read them.

Django shows a ``DecimalField`` with every stored place ("6116.6200",
"0.0000"), which is right for an input and wrong for reading. An admin that
mixes in ``NumbersAdmin`` names the kind of each such field in
``number_kinds`` and the lists and read-only pages show it formatted, as the
dashboards do (``bizops.core.templatetags.dashboards.cell``):

- ``money``: thousands separators, two decimals (6,116.62);
- ``int``: a whole count with separators (49);
- ``ratio``: two decimals (3.86, for ROAS and MER);
- ``share``: a percentage with one decimal (1.7 %);
- ``rate``: an exchange rate, its stored digits without padding (1.089504);
- ``duration``: "1.2 s", "3 min 4 s" (``bizops.core.durations``).

Editable fields keep their inputs; only what is shown as text changes. The
column still sorts by the field, and its label is the field's.
"""

from decimal import Decimal

from bizops.core.durations import human
from bizops.core.templatetags.dashboards import cell

SUFFIX = "_shown"


def as_text(value, kind: str) -> str:
    if value is None or value == "":
        return "-"
    if kind == "rate":
        normalized = Decimal(value).normalize()
        return f"{normalized:f}"
    if kind == "duration":
        return human(value)
    return cell(value, kind)


class NumbersAdmin:
    """ModelAdmin (or inline) mixin: ``number_kinds = {"spend": "money", "ctr": "share", ...}``."""

    number_kinds: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, kind in self.number_kinds.items():
            setattr(self, name + SUFFIX, self._display(name, kind))

    def _display(self, name: str, kind: str):
        field = self.model._meta.get_field(name)

        def show(obj):
            return as_text(getattr(obj, name), kind)

        show.short_description = field.verbose_name
        show.admin_order_field = name
        show.__name__ = name + SUFFIX
        return show

    def _swap(self, names, only=None) -> list:
        return [
            name + SUFFIX
            if isinstance(name, str) and name in self.number_kinds and (only is None or name in only)
            else name
            for name in names
        ]

    def get_list_display(self, request):
        # Inputs (list_editable) and the link to the row (list_display_links) keep the field itself.
        kept = set(self.list_editable or ()) | set(self.list_display_links or ())
        names = super().get_list_display(request)
        return self._swap(names, only={name for name in names if name not in kept})

    def get_readonly_fields(self, request, obj=None):
        # Every formatted stand-in is read-only, so a form never asks for it as an input;
        # the fields declared read-only stay so, and stay out of the form.
        declared = list(super().get_readonly_fields(request, obj))
        return [*declared, *(n + SUFFIX for n in self.number_kinds if n + SUFFIX not in declared)]

    def _shown_as_text(self, request, obj) -> set | None:
        """The fields the page shows as text: all of them without change permission."""
        if not self.has_change_permission(request, obj):
            return None
        return set(super().get_readonly_fields(request, obj))

    def get_fields(self, request, obj=None):
        stand_ins = {n + SUFFIX for n in self.number_kinds}
        fields = [f for f in super().get_fields(request, obj) if f not in stand_ins]
        return self._swap(fields, only=self._shown_as_text(request, obj))

    def get_fieldsets(self, request, obj=None):
        only = self._shown_as_text(request, obj)
        return [
            (title, {**options, "fields": [
                self._swap(f, only) if isinstance(f, (list, tuple)) else self._swap([f], only)[0]
                for f in options["fields"]
            ]})
            for title, options in super().get_fieldsets(request, obj)
        ]  # fmt: skip
