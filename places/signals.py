"""What places tells the apps above it, without importing them."""

from django.dispatch import Signal

# Sent (inside the import's transaction) after postcodes or deprivation deciles were
# loaded: whatever keeps a postcode's LSOA or IMD decile derived must refresh it.
lookups_loaded = Signal()
