from django import forms

from bizops.automations.models import WebhookEndpoint
from bizops.automations.transport import RefusedTarget, check_target
from bizops.events import catalogue


def event_type_choices() -> list[tuple[str, str]]:
    return [
        (spec.name, f"{spec.name} (v{spec.version}): {spec.summary}") for spec in catalogue.subscribable()
    ]


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(
        label="URL",
        max_length=2000,
        assume_scheme="https",
        help_text="http(s) only; private addresses are refused.",
    )
    event_types = forms.MultipleChoiceField(
        choices=event_type_choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "format", "event_types", "enabled", "description"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            check_target(url)
        except RefusedTarget as exc:
            raise forms.ValidationError(str(exc)) from None
        return url
