"""TODO(#6): describe what this app owns."""
