"""Trial mode: a randomised waiting-list comparison a commissioner switches on for a team and
a period. See docs/insight.md#trial-mode."""
