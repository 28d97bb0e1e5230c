from django.core.management.base import BaseCommand

from awards.reference import load_programmes
from brands.reference import load_nice_classes, load_wellknown_sample
from core.reference import load_regions
from geo_indications.reference import load_gi_sample
from targets.reference import load_plans


class Command(BaseCommand):
    help = "Load the reference data (regions, Nice classes, plans and targets, GI and well-known samples). Idempotent."

    def handle(self, *args, **options) -> None:
        self.stdout.write(f"regions: {load_regions()}")
        self.stdout.write(f"Nice classes: {load_nice_classes()}")
        plans = load_plans()
        for plan in plans:
            self.stdout.write(f"plan {plan.code}: {plan.targets.count()} targets")
        self.stdout.write(f"GI products (sample): {load_gi_sample()}")
        self.stdout.write(f"well-known trademarks (sample): {load_wellknown_sample()}")
        self.stdout.write(f"award programmes: {load_programmes()}")
        self.stdout.write(self.style.SUCCESS("Reference data loaded."))
