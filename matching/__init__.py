"""TODO(#5): describe what this app owns."""
