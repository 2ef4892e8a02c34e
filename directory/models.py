"""Directory models, named and shaped after Open Referral HSDS 3.0 (ids are UUIDs)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from directory import rules


class Organization(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=255)
    alternate_name = models.CharField(max_length=255, blank=True)
    description = models.TextField(blank=True)
    email = models.EmailField(blank=True)
    website = models.URLField(max_length=500, blank=True)
    tax_status = models.TextField(blank=True)
    tax_id = models.TextField(blank=True)
    year_incorporated = models.FloatField(null=True, blank=True)
    legal_status = models.TextField(blank=True)
    logo = models.TextField(blank=True)
    uri = models.TextField(blank=True)
    # Kept as given, not enforced: the official examples point it at no record.
    parent_organization_id = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Program(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="programs"
    )
    name = models.TextField()
    alternate_name = models.TextField(blank=True)
    description = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active"
        INACTIVE = "inactive"
        DEFUNCT = "defunct"
        TEMPORARILY_CLOSED = "temporarily closed"

    Visibility = rules.Visibility  # declared with the rule that reads it

    class Capacity(models.TextChoices):
        """Local extension: whether the service can take new people now."""

        OPEN = "open", "Open to new people"
        WAITING_LIST = "waiting_list", "Waiting list"
        FULL = "full", "Full"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="services"
    )
    name = models.CharField(max_length=255)
    alternate_name = models.CharField(max_length=255, blank=True)
    description = models.TextField(blank=True)
    url = models.URLField(max_length=500, blank=True)
    email = models.EmailField(blank=True)
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.ACTIVE)
    program = models.ForeignKey(
        Program, null=True, blank=True, on_delete=models.SET_NULL, related_name="services"
    )
    interpretation_services = models.TextField(blank=True)
    application_process = models.TextField(blank=True)
    fees_description = models.TextField(blank=True)
    wait_time = models.TextField(blank=True)
    fees = models.TextField(blank=True)
    accreditations = models.TextField(blank=True)
    eligibility_description = models.TextField(blank=True)
    assured_date = models.CharField(max_length=32, blank=True)
    assurer_email = models.TextField(blank=True)
    licenses = models.TextField(blank=True)
    alert = models.TextField(blank=True)
    last_modified = models.CharField(
        max_length=40, blank=True, help_text="HSDS last_modified, kept as given."
    )
    minimum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    maximum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    capacity = models.CharField(max_length=16, choices=Capacity.choices, default=Capacity.OPEN)
    last_verified_at = models.DateTimeField(null=True, blank=True)
    last_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_accepting(self) -> bool:
        return self.status == self.Status.ACTIVE and self.capacity != self.Capacity.FULL


class Location(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="locations"
    )
    name = models.CharField(max_length=255, blank=True)
    location_type = models.CharField(max_length=16, default="physical")
    url = models.TextField(blank=True)
    alternate_name = models.TextField(blank=True)
    description = models.TextField(blank=True)
    transportation = models.TextField(blank=True)
    external_identifier = models.TextField(blank=True)
    external_identifier_type = models.TextField(blank=True)
    # Local convenience, derived from the location's first address on import (not HSDS).
    address_1 = models.CharField(max_length=255, blank=True)
    city = models.CharField(max_length=120, blank=True)
    postal_code = models.CharField(max_length=16, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    class Meta:
        # Distance search narrows to a bounding box: a range on latitude, then longitude.
        indexes = [models.Index(fields=["latitude", "longitude"], name="location_lat_lon_idx")]

    def __str__(self) -> str:
        return self.name or self.address_1


class ServiceAtLocation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="service_at_locations"
    )
    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="service_at_locations"
    )
    description = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.service} at {self.location}"


# --- The rest of HSDS 3.0. Field names are the specification's; dates and times are kept as
# the text given (HSDS types them only as strings), numbers as floats.


def _fk(model, related_name):
    return models.ForeignKey(
        model, null=True, blank=True, on_delete=models.CASCADE, related_name=related_name
    )


class OrganizationIdentifier(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="organization_identifiers"
    )
    identifier_scheme = models.TextField(blank=True)
    identifier_type = models.TextField()
    identifier = models.TextField()

    def __str__(self) -> str:
        return self.identifier


class Contact(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = _fk(Organization, "contacts")
    service = _fk(Service, "contacts")
    service_at_location = _fk(ServiceAtLocation, "contacts")
    location = _fk(Location, "contacts")
    name = models.TextField(blank=True)
    title = models.TextField(blank=True)
    department = models.TextField(blank=True)
    email = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.name or str(self.id)


class Phone(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    location = _fk(Location, "phones")
    service = _fk(Service, "phones")
    organization = _fk(Organization, "phones")
    contact = _fk(Contact, "phones")
    service_at_location = _fk(ServiceAtLocation, "phones")
    number = models.TextField()
    extension = models.FloatField(null=True, blank=True)
    type = models.TextField(blank=True)
    description = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.number


class Schedule(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = _fk(Service, "schedules")
    location = _fk(Location, "schedules")
    service_at_location = _fk(ServiceAtLocation, "schedules")
    valid_from = models.CharField(max_length=32, blank=True)
    valid_to = models.CharField(max_length=32, blank=True)
    dtstart = models.CharField(max_length=32, blank=True)
    timezone = models.FloatField(null=True, blank=True)
    until = models.CharField(max_length=32, blank=True)
    count = models.FloatField(null=True, blank=True)
    wkst = models.TextField(blank=True)
    freq = models.TextField(blank=True)
    interval = models.FloatField(null=True, blank=True)
    byday = models.TextField(blank=True)
    byweekno = models.TextField(blank=True)
    bymonthday = models.TextField(blank=True)
    byyearday = models.TextField(blank=True)
    description = models.TextField(blank=True)
    opens_at = models.CharField(max_length=32, blank=True)
    closes_at = models.CharField(max_length=32, blank=True)
    schedule_link = models.TextField(blank=True)
    attending_type = models.TextField(blank=True)
    notes = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.description or f"{self.byday} {self.opens_at}-{self.closes_at}"


class Address(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="addresses")
    attention = models.TextField(blank=True)
    address_1 = models.TextField()
    address_2 = models.TextField(blank=True)
    city = models.TextField()
    region = models.TextField(blank=True)
    state_province = models.TextField()
    postal_code = models.TextField()
    country = models.TextField()
    address_type = models.TextField()

    def __str__(self) -> str:
        return f"{self.address_1}, {self.city}"


class Language(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = _fk(Service, "languages")
    location = _fk(Location, "languages")
    phone = _fk(Phone, "languages")
    name = models.TextField(blank=True)
    code = models.TextField(blank=True)
    note = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.name or self.code


class Accessibility(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="accessibility")
    description = models.TextField(blank=True)
    details = models.TextField(blank=True)
    url = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.description or str(self.id)


class CostOption(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="cost_options")
    valid_from = models.CharField(max_length=32, blank=True)
    valid_to = models.CharField(max_length=32, blank=True)
    option = models.TextField(blank=True)
    currency = models.TextField(blank=True)
    amount = models.FloatField(null=True, blank=True)
    amount_description = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.option or str(self.amount)


class Funding(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = _fk(Organization, "funding")
    service = _fk(Service, "funding")
    source = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.source


class RequiredDocument(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="required_documents"
    )
    document = models.TextField(blank=True)
    uri = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.document


class ServiceArea(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="service_areas")
    name = models.TextField(blank=True)
    description = models.TextField(blank=True)
    extent = models.TextField(blank=True)
    extent_type = models.TextField(blank=True)
    uri = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.name


class Taxonomy(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.TextField()
    description = models.TextField()
    uri = models.TextField(blank=True)
    version = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "taxonomies"

    def __str__(self) -> str:
        return self.name


class TaxonomyTerm(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.TextField(blank=True, db_index=True)
    name = models.TextField()
    description = models.TextField()
    # Kept as given, not enforced: the official example's parent does not exist.
    parent_id = models.UUIDField(null=True, blank=True)
    taxonomy = models.TextField(blank=True, help_text="Free-text taxonomy name (HSDS).")
    language = models.TextField(blank=True)
    taxonomy_detail = models.ForeignKey(
        Taxonomy,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="terms",
        db_column="taxonomy_id",
    )
    term_uri = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.name


class Attribute(models.Model):
    """A taxonomy term attached to any object (link_id + link_entity)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    link_id = models.UUIDField(db_index=True)
    taxonomy_term = models.ForeignKey(
        TaxonomyTerm, on_delete=models.PROTECT, related_name="attributes"
    )
    link_type = models.TextField(blank=True)
    link_entity = models.TextField()
    value = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.link_entity}:{self.link_id}"


class Metadata(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    resource_id = models.UUIDField(db_index=True)
    resource_type = models.TextField()
    last_action_date = models.CharField(max_length=32)
    last_action_type = models.TextField()
    field_name = models.TextField()
    previous_value = models.TextField()
    replacement_value = models.TextField()
    updated_by = models.TextField()

    class Meta:
        verbose_name_plural = "metadata"

    def __str__(self) -> str:
        return f"{self.resource_type} {self.last_action_type}"


class MetaTableDescription(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.TextField(blank=True)
    language = models.TextField(blank=True)
    character_set = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.name


class VerificationTask(models.Model):
    """A reason to check a listing: reported by staff ("closed", "moved", "full", "details
    wrong") or raised because it was not verified for too long. Local extension."""

    class Reason(models.TextChoices):
        STALE = "stale", "Not verified recently"
        CLOSED = "closed", "Reported closed"
        MOVED = "moved", "Reported moved"
        FULL = "full", "Reported full"
        DETAILS_WRONG = "details_wrong", "Details reported wrong"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="verification_tasks"
    )
    reason = models.CharField(max_length=16, choices=Reason.choices)
    details = models.TextField(blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["service", "resolved_at"], name="verification_open_idx")]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.service}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
