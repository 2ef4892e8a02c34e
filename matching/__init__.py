"""Matching: ranked, explained service suggestions for a person (issue #5).

Owns service embeddings, the in-memory index that follows directory changes, the ranking
(hard constraints, soft signals, diversity), suggestion feedback, the suggestions API and
the case page panel. Does not own services (directory) or connections (casework): adding a
suggestion to the plan goes through casework.actions.propose_connection.
"""
