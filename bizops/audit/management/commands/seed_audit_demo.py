from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand

from bizops.audit.audit import SLUG_PREFIX
from bizops.audit.base import Period
from bizops.core import selectors
from bizops.core.demo import refuse_unless_demo
from bizops.core.models import Report

# Each owner of an audit area joins the group of that area (bizops.core.permissions).
GROUPS = {"growth": "Growth", "product": "Team", "finance": "Finance", "ops": "Ops"}


class Command(BaseCommand):
    help = (
        "Demo: the audit's area owners as users (no password: they cannot log in), then the business audit "
        "(the 30 days before too, the first time, so there is a previous audit to compare with) and the "
        "executive memo over the data loaded."
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
        if not selectors.reports(Report.Kind.EXEC, slug_prefix=SLUG_PREFIX).exists():
            # The 30 days before first, so the audit page has a previous audit to compare with.
            current = Period.parse(None)
            earlier = current.previous
            call_command("bi_audit", "--period", f"{earlier.start}..{earlier.end}", stdout=self.stdout)
        call_command("bi_audit", stdout=self.stdout)
        call_command("exec_memo", stdout=self.stdout)
