from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand

from bizops.core.demo import refuse_unless_demo

# Each owner of an audit area joins the group of that area (bizops.core.permissions).
GROUPS = {"growth": "Growth", "product": "Team", "finance": "Finance", "ops": "Ops"}


class Command(BaseCommand):
    help = (
        "Demo: the audit's area owners as users (no password: they cannot log in), then the business audit "
        "and the executive memo over the data loaded."
    )

    def handle(self, *args, **options):
        refuse_unless_demo("seed_audit_demo is for the demo database")
        User = get_user_model()
        for username in sorted(set(settings.AUDIT_OWNERS.values()) - {""}):
            user, created = User.objects.get_or_create(username=username, defaults={"is_staff": False})
            if created:
                user.set_unusable_password()
                user.save()
                group = Group.objects.filter(name=GROUPS.get(username, "Team")).first()
                if group:
                    user.groups.add(group)
        call_command("bi_audit", stdout=self.stdout)
        call_command("exec_memo", stdout=self.stdout)
