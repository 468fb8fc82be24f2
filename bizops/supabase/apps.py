from django.apps import AppConfig


class SupabaseConfig(AppConfig):
    """The Supabase delta and ``verify_db``: they read the RLS declarations every app's rls.py makes."""

    name = "bizops.supabase"
    label = "supabase"
    verbose_name = "Supabase delta"
