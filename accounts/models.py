from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.crypto import salted_hmac


class Area(models.Model):
    """A geography that owns records (an ICB or locality). The distribution key for Citus."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    class Kind(models.TextChoices):
        PRACTICE = "practice", "GP practice"
        PCN = "pcn", "Primary Care Network"
        LOCALITY = "locality", "Locality"

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.PCN)
    ods_code = models.CharField("ODS code", max_length=12, blank=True)
    accepts_self_referrals = models.BooleanField(
        default=False,
        help_text=(
            "Public self-referrals from the postcodes below land in this team's triage queue."
        ),
    )
    self_referral_postcodes = models.CharField(
        "Self-referral postcodes",
        max_length=1000,
        blank=True,
        help_text=(
            "The postcode areas, districts or sectors whose self-referrals this team takes, "
            "separated by commas: for example AV1, AV2, TN23 1."
        ),
    )
    served_by = models.ManyToManyField(
        "self",
        verbose_name="serving teams",
        symmetrical=False,
        blank=True,
        related_name="serves",
        limit_choices_to=~models.Q(kind="practice"),
        help_text=(
            "For a GP practice: the social prescribing teams (a PCN's link workers, a local "
            "connector scheme) that receive its referrals."
        ),
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_practice(self) -> bool:
        return self.kind == self.Kind.PRACTICE


class Role(models.TextChoices):
    REFERRER = "referrer", "Referrer (GP, nurse, other clinician)"
    LINK_WORKER = "link_worker", "Link worker"
    SUPERVISOR = "supervisor", "Supervisor"
    PARTNER = "partner", "Community partner"
    COMMISSIONER = "commissioner", "Commissioner"
    ADMIN = "admin", "Administrator"


class User(AbstractUser):
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.REFERRER)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    organization = models.ForeignKey(
        "directory.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        help_text="For community partners: the organisation whose connections they handle.",
    )
    job_title = models.CharField(max_length=120, blank=True)
    # Part of every session's signature: raising it ends all the user's sessions at once
    # ("sign out everywhere", accounts.actions.sign_out_everywhere).
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="partner") | models.Q(organization__isnull=False),
                name="partner_has_organization",
            ),
        ]

    def _get_session_auth_hash(self, secret=None):
        # Django signs each session with an HMAC of the password hash (so a new password ends
        # other sessions); the generation joins it, so sign-out-everywhere does the same.
        # Generation 0 signs as Django does, so sessions from before this field stay valid.
        if not self.session_generation:
            return super()._get_session_auth_hash(secret=secret)
        value = f"{self.password}:{self.session_generation}"
        key_salt = "accounts.User.get_session_auth_hash"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()

    @property
    def area_id_or_none(self) -> int | None:
        return self.team.area_id if self.team_id else None

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 hash is stored; the token is shown once. It acts
    as its user, within its scope, until it expires or is revoked."""

    class Scope(models.TextChoices):
        READ = "read", "Read only"
        READ_WRITE = "read_write", "Read and write"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, default="")
    prefix = models.CharField(max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=16, choices=Scope.choices, default=Scope.READ_WRITE)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    def is_live(self, now) -> bool:
        return self.revoked_at is None and self.expires_at > now


class RecoveryCode(models.Model):
    """One two-factor recovery code, kept only as a keyed hash (HMAC-SHA256 under the
    SECRET_KEY, with the user's id: accounts.recovery_codes.digest). The code itself is
    shown once, when made, and never stored. The user's django-otp StaticDevice holds the
    codes (and counts wrong ones, its throttle); its own plain token table stays empty."""

    device = models.ForeignKey(
        "otp_static.StaticDevice", on_delete=models.CASCADE, related_name="recovery_codes"
    )
    digest = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["device", "digest"], name="recovery_code_once"),
        ]

    def __str__(self) -> str:
        return f"Recovery code {self.pk} of device {self.device_id}"
