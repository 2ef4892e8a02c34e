from django.db import models


class Postcode(models.Model):
    """A live UK postcode and its centroid (WGS84)."""

    postcode = models.CharField(max_length=8, primary_key=True, help_text='e.g. "SW1A 1AA"')
    outward = models.CharField(max_length=4, db_index=True)
    latitude = models.FloatField()
    longitude = models.FloatField()

    def __str__(self) -> str:
        return self.postcode


class PostcodeDistrict(models.Model):
    """The centroid of a postcode district (outward code), computed from imported postcodes,
    used when only a partial or unknown postcode is given."""

    outward = models.CharField(max_length=4, primary_key=True)
    latitude = models.FloatField()
    longitude = models.FloatField()
    postcodes = models.PositiveIntegerField()

    def __str__(self) -> str:
        return self.outward
