"""Offline geocoding: UK postcodes (loaded from ONSPD or OS Code-Point Open), postcode
district centroids, US ZIP codes (from the `zipcodes` package), and distance maths.

No lookup ever leaves the machine.
"""
