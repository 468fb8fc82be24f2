"""Admin pages for assumption set JSON files: upload, preview, confirm; and download."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import slugify
from django.views import View

from bizops.core.imports import ImportRefused, check_size
from finance.assumptions_json import (
    AssumptionImportError,
    dumps,
    export_assumption_set,
    import_text,
    parse,
    plan,
)
from finance.assumptions_json import loads as load_json
from finance.jobs import run_by_hand
from finance.models import AssumptionSet, ForecastRun, Scenario
from finance.report import amount, month_label


def max_upload_bytes() -> int:
    """IMPORT_MAX_BYTES, or less: the preview posts the file back as a form field on
    confirmation, which Django refuses past DATA_UPLOAD_MAX_MEMORY_SIZE (the multipart
    form sends it as is, with line ends doubled at most)."""
    return min(settings.IMPORT_MAX_BYTES, settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 2)


def export_json_response(assumption_set: AssumptionSet) -> HttpResponse:
    response = HttpResponse(dumps(export_assumption_set(assumption_set)), content_type="application/json")
    filename = f"assumptions-{slugify(assumption_set.name)}-v{assumption_set.version}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def run_and_tell(request, scenarios) -> list[ForecastRun]:
    """Run the scenarios as one recorded job and tell the user how it went (admin messages)."""
    outcome = run_by_hand(scenarios, produced_by=request.user.get_username())
    if not outcome.runs:
        messages.add_message(
            request, messages.ERROR if outcome.refused else messages.WARNING, outcome.problem
        )
        return []
    runs = outcome.runs
    for run in runs:
        messages.success(
            request,
            format_html(
                '<a href="{}">{}</a>: {} {}, break-even {}.',
                reverse("admin:finance_forecastrun_change", args=[run.pk]),
                f"{run.scenario_name} on {run.assumption_set}",
                run.headline_phrase,
                amount(run.headline),
                month_label(run, run.break_even_month),
            ),
        )
    return runs


class UploadForm(forms.Form):
    file = forms.FileField(help_text="An assumptions JSON file (as exported here).")


class AssumptionImportView(View):
    """Upload -> every problem listed, nothing saved; or a preview -> confirm -> saved in one transaction."""

    model_admin = None
    template_name = "admin/finance/assumptionset/import_json.html"

    def _allowed(self, request) -> bool:
        user = request.user
        return all(
            user.has_perm(f"finance.{perm}")
            for perm in ("add_assumptionset", "add_scenario", "change_scenario")
        )

    def _render(self, request, **context):
        admin_site = self.model_admin.admin_site
        return TemplateResponse(
            request,
            self.template_name,
            {
                **admin_site.each_context(request),
                "opts": AssumptionSet._meta,
                "title": "Import assumptions (JSON)",
                **context,
            },
        )

    def get(self, request):
        if not self._allowed(request):
            raise PermissionDenied
        return self._render(request, form=UploadForm())

    def post(self, request):
        if not self._allowed(request):
            raise PermissionDenied
        if "confirm" in request.POST:
            return self._confirm(request)
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(request, form=form)
        upload = form.cleaned_data["file"]
        try:
            check_size(upload.size, limit=max_upload_bytes())
        except ImportRefused as exc:
            return self._render(request, form=UploadForm(), problems=[str(exc)], filename=upload.name)
        content = upload.read()
        try:
            parsed = parse(load_json(content))
        except AssumptionImportError as exc:
            return self._render(request, form=UploadForm(), problems=exc.problems, filename=upload.name)
        return self._render(
            request,
            preview=plan(parsed),
            payload=content.decode("utf-8-sig"),
            filename=upload.name,
            parsed=parsed,
        )

    def _confirm(self, request):
        try:
            _, result = import_text(request.POST.get("payload", ""), user=request.user)
        except AssumptionImportError as exc:
            # The file was checked at the preview; the database may have changed since.
            return self._render(request, form=UploadForm(), problems=exc.problems)
        assumption_set = result.assumption_set
        if result.created_version:
            messages.success(request, f"Imported {assumption_set}.")
        else:
            messages.info(request, f"{assumption_set} was unchanged: no new version.")
        if result.scenarios_created or result.scenarios_updated:
            names = ", ".join(result.scenarios_created + result.scenarios_updated)
            messages.info(request, f"Scenarios saved: {names}.")
        if result.created_version or result.scenarios_created or result.scenarios_updated:
            run_and_tell(request, Scenario.objects.filter(assumption_set=assumption_set))
        return redirect("admin:finance_assumptionset_change", assumption_set.pk)
