from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class Postcode(models.Model):
    """A live UK postcode and its centroid (WGS84)."""

    postcode = models.CharField(max_length=8, primary_key=True, help_text='e.g. "SW1A 1AA"')
    outward = models.CharField(max_length=4, db_index=True)
    latitude = models.FloatField()
    longitude = models.FloatField()
    # The Lower layer Super Output Area (England and Wales) from ONSPD, by census; blank
    # when the file did not say (Code-Point Open carries none). Deprivation is by LSOA.
    lsoa11 = models.CharField("LSOA (2011)", max_length=9, blank=True, default="")
    lsoa21 = models.CharField("LSOA (2021)", max_length=9, blank=True, default="")

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


class Deprivation(models.Model):
    """The English Index of Multiple Deprivation decile of one LSOA (1 = the most deprived
    tenth of areas in England, 10 = the least), loaded by `manage.py import_imd` from the
    published "File 1". LSOAs are those of the 2011 or the 2021 census, as the file says."""

    class Census(models.IntegerChoices):
        Y2011 = 2011, "2011 LSOAs"
        Y2021 = 2021, "2021 LSOAs"

    lsoa = models.CharField("LSOA code", max_length=9)
    census = models.PositiveSmallIntegerField(choices=Census.choices)
    imd_decile = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(10)]
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["census", "lsoa"], name="deprivation_one_per_lsoa"),
            models.CheckConstraint(
                condition=models.Q(imd_decile__gte=1, imd_decile__lte=10),
                name="deprivation_decile_1_to_10",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lsoa}: IMD decile {self.imd_decile}"
