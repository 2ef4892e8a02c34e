"""Signals outcomes sends. A write of healthcare use that bypasses the models' save (the
CSV import's bulk_create) announces itself with `healthcare_use_written`, once, inside its
transaction, after writing, so that whoever keeps data derived from it (insight's
healthcare facts) can follow; outcomes never needs to know who listens."""

from django.dispatch import Signal

# Sent with `people`: the ids of the people whose healthcare use was written.
healthcare_use_written = Signal()
