from django.core.management.base import BaseCommand

from bizops.core.demo import refuse_unless_demo
from finance.demo import seed_demo


class Command(BaseCommand):
    help = (
        "Seed the finance demo: an illustrative plan (every number a placeholder with its note), "
        "Base, Optimistic and Conservative scenarios and their first forecast. Seeding twice changes nothing."
    )

    def handle(self, *args, **options):
        refuse_unless_demo("seed_finance_demo writes an illustrative plan")
        seed_demo(self.stdout)
