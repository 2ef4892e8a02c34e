"""Signals the directory sends. A save or delete is announced by Django's own post_save and
post_delete; a write that bypasses them (the HSDS import) announces itself with
`records_changed`, once, inside its transaction, after writing (directory.actions
.announce_bulk_write). Listeners (matching's index and embeddings) connect to it; the
directory never needs to know who they are."""

from django.dispatch import Signal

# Sent with `records`, a mapping of model label ("directory.Organization") to the ids written,
# and `everything`: True when any directory record may have changed (then `records` is empty).
records_changed = Signal()
