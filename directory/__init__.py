"""The community directory: organisations, their services and where they run (HSDS-shaped).

Owns what exists in the community and whether it is current. It does not own who was sent
where: that is a casework Connection.
"""
