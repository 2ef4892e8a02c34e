"""System checks: the matching model asked for (settings.MATCHING_MODEL) is one we have."""

from django.conf import settings
from django.core.checks import Error, register

from matching import embedding, embedding_mpnet


@register()
def matching_model_is_installed(app_configs, **kwargs):
    chosen = settings.MATCHING_MODEL
    if chosen not in embedding.MODELS:
        return [
            Error(
                f"SOCIALRX_MATCHING_MODEL is {chosen!r}.",
                hint="Use one of: " + ", ".join(embedding.MODELS) + " (docs/matching.md).",
                id="matching.E001",
            )
        ]
    if chosen == embedding.BOTH and embedding_mpnet.archive_parts() is None:
        return [Error(embedding.MPNET_MISSING, id="matching.E002")]
    return []
