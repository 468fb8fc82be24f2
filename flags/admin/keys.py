from django.contrib import admin, messages
from django.utils import timezone

from flags.models import ClientKey


@admin.action(description="Revoke selected client keys", permissions=["change"])
def revoke(modeladmin, request, queryset):
    revoked = 0
    for key in queryset.filter(revoked_at=None):
        key.revoked_at = timezone.now()
        key.save()
        revoked += 1
    modeladmin.message_user(
        request, f"Revoked {revoked} key(s): their requests now get 403.", messages.SUCCESS
    )


@admin.register(ClientKey)
class ClientKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "created_at", "created_by", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "key"]
    readonly_fields = ["key", "sdk_url", "created_at", "created_by", "revoked_at"]
    actions = [revoke]

    @admin.display(description="SDK endpoint")
    def sdk_url(self, obj: ClientKey) -> str:
        return f"/flags/sdk/{obj.key}.json" if obj.pk else "(shown once saved)"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None) -> bool:
        # Revoke instead: a revoked key answers 403 and stays on record.
        return False
