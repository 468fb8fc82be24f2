"""Admin file imports (django-import-export) held to the limits of ``bizops.core.imports``.

A file that is too large, too long, nested too deeply or has the wrong
columns is refused on the upload form with one line naming the problem,
before any row is read. The file waits for its confirmation in the cache
for an hour at most and is removed at once when the import is refused.
"""

import functools
import os

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from import_export.formats.base_formats import JSON, XLSX
from import_export.tmp_storages import CacheStorage

from bizops.core.imports import (
    ImportRefused,
    check_json_depth,
    check_rows,
    check_size,
    check_xlsx_rows,
    column_problem,
)

PREVIEW_HOURS = 1


class PreviewStorage(CacheStorage):
    """An uploaded file between its preview and its confirmation.

    In the cache (Redis or the database, shared by every web process), not a
    local temporary folder where unconfirmed previews would pile up: an entry
    that is never confirmed expires on its own.
    """

    CACHE_LIFETIME = PREVIEW_HOURS * 3600


def _resource_columns(resource_class) -> tuple[tuple[str, ...], list[str]]:
    known = [field.column_name for field in resource_class().fields.values()]
    return tuple(getattr(resource_class, "required_columns", ())), known


@functools.cache
def checked_format(format_class, resource_class):
    """``format_class`` whose datasets are checked against the limits and ``resource_class``'s columns."""

    class Checked(format_class):
        def create_dataset(self, in_stream, **kwargs):
            if issubclass(format_class, XLSX):
                check_xlsx_rows(in_stream)
            if issubclass(format_class, JSON):
                text = in_stream
                if isinstance(text, bytes):
                    text = text.decode(self.encoding or "utf-8", errors="replace")
                check_json_depth(text)
            dataset = super().create_dataset(in_stream, **kwargs)
            required, known = _resource_columns(resource_class)
            problem = column_problem(dataset.headers, required=required, known=known)
            if problem:
                raise ImportRefused(problem)
            check_rows(dataset.height)
            return dataset

    Checked.__name__ = Checked.__qualname__ = format_class.__name__
    return Checked


@functools.cache
def _limited_form(form_class):
    class LimitedImportForm(form_class):
        def clean_import_file(self):
            upload = self.cleaned_data["import_file"]
            try:
                check_size(upload.size)
            except ImportRefused as exc:
                raise forms.ValidationError(str(exc)) from None
            return upload

    return LimitedImportForm


class LimitedImportMixin:
    """Before ``ImportExportModelAdmin``: limits, column checks and no leftover files."""

    def get_import_form_class(self, request):
        return _limited_form(super().get_import_form_class(request))

    def get_import_formats(self):
        resource_class = self.resource_classes[0]
        return [checked_format(fmt, resource_class) for fmt in super().get_import_formats()]

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, ImportRefused):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        upload = request.FILES.get("import_file")
        name = getattr(upload, "tmp_storage_name", None)
        if name and "confirm_form" not in (getattr(response, "context_data", None) or {}):
            # Refused: nothing will confirm it.
            self.get_tmp_storage_class()(name=name).remove()
        return response

    def process_import(self, request, **kwargs):
        name = os.path.basename(request.POST.get("import_file_name", ""))
        if name and self.get_tmp_storage_class()(name=name).read() is None:
            return self._back_to_upload(
                request,
                f"This import's preview has expired (previews are kept {PREVIEW_HOURS} hour): "
                "upload the file again.",
            )
        try:
            return super().process_import(request, **kwargs)
        except ImportRefused as exc:
            # The file is read again on confirmation, before anything is written.
            return self._back_to_upload(request, f"Nothing imported: {exc}")

    def _back_to_upload(self, request, message: str):
        messages.error(request, message)
        return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_import")
