from __future__ import annotations

import logging
import secrets
import time
from base64 import b32encode
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP

from accounts import otp_secrets

log = logging.getLogger(__name__)


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


# django-otp is untyped, so django-stubs cannot type the reverse manager of its devices
# (AuthenticatorDevice.user): hence the ignore.
class User(AbstractUser):  # type: ignore[django-manager-missing]
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


class AuthenticatorDevice(TimestampMixin, ThrottlingMixin, Device):
    """An authenticator app (TOTP, RFC 6238): django-otp's TOTPDevice with its shared secret
    encrypted at rest (accounts.otp_secrets), so the table holds only ciphertext. A code is
    checked as TOTPDevice checks one (django_otp.oath.TOTP): one step either side of the
    device's known drift, the drift followed, a code no later than the last accepted step
    refused (a code works once), each wrong code doubling the wait before the next check.
    Not in the admin: users set theirs up themselves (accounts.two_factor_actions)."""

    SECRET_BYTES = 20  # 160 bits, as TOTPDevice and RFC 4226 recommend

    encrypted_key = models.TextField(
        editable=False, help_text="The shared secret, encrypted (accounts.otp_secrets)."
    )
    step = models.PositiveSmallIntegerField(default=30, help_text="The time step in seconds.")
    t0 = models.BigIntegerField(
        default=0, help_text="The Unix time at which to begin counting steps."
    )
    digits = models.PositiveSmallIntegerField(
        choices=[(6, 6), (8, 8)], default=6, help_text="The number of digits in a code."
    )
    tolerance = models.PositiveSmallIntegerField(
        default=1, help_text="The number of time steps in the past or future to allow."
    )
    drift = models.SmallIntegerField(
        default=0, help_text="The number of time steps the app is known to be off our clock."
    )
    last_t = models.BigIntegerField(
        default=-1, help_text="The time step of the last code accepted: later ones only."
    )

    class Meta(Device.Meta):
        verbose_name = "authenticator app"

    def set_secret(self, raw: bytes | None = None) -> None:
        """Give the device `raw` (a new random secret if None), encrypted; the caller saves."""
        raw = secrets.token_bytes(self.SECRET_BYTES) if raw is None else raw
        self.encrypted_key = otp_secrets.encrypt(raw)

    @property
    def bin_key(self) -> bytes:
        """The secret itself (otp_secrets.SecretUnreadable if no configured key opens it)."""
        return otp_secrets.decrypt(self.encrypted_key)

    def secret_is_readable(self) -> bool:
        try:
            self.bin_key  # noqa: B018 (decrypting is the check)
        except otp_secrets.SecretUnreadable:
            return False
        return True

    def verify_token(self, token) -> bool:
        """True once for a right code (TOTPDevice.verify_token's rules). The accepted step
        is written only if no other request has accepted it or a later one meanwhile (a
        conditional UPDATE), so of two requests racing with one code, one wins. A secret
        that cannot be decrypted verifies nothing and counts no failure."""
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        try:
            key = self.bin_key
        except otp_secrets.SecretUnreadable:
            log.error("The secret of two-factor device %s cannot be decrypted", self.pk)
            return False
        try:
            number = int(token)
        except (TypeError, ValueError):
            verified = False
        else:
            totp = TOTP(key, self.step, self.t0, self.digits, self.drift)
            totp.time = time.time()
            verified = totp.verify(number, self.tolerance, self.last_t + 1) and self._accept(
                totp.t(), totp.drift
            )
        if not verified:
            self.throttle_increment(commit=False)
            self.save(update_fields=["throttling_failure_timestamp", "throttling_failure_count"])
        return verified

    def _accept(self, t: int, drift: int) -> bool:
        changes = {
            "last_t": t,
            "throttling_failure_timestamp": None,
            "throttling_failure_count": 0,
            "last_used_at": timezone.now(),
        }
        if getattr(settings, "OTP_TOTP_SYNC", True):
            changes["drift"] = drift
        won = type(self).objects.filter(pk=self.pk, last_t__lt=t).update(**changes)
        if won:
            for name, value in changes.items():
                setattr(self, name, value)
        return bool(won)

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)

    @property
    def config_url(self) -> str:
        """The otpauth:// link an authenticator app scans (Google's Key URI Format), named
        with OTP_TOTP_ISSUER, as TOTPDevice.config_url makes it."""
        label = str(self.user.get_username())
        params = urlencode(
            {
                "secret": b32encode(self.bin_key),
                "algorithm": "SHA1",
                "digits": self.digits,
                "period": self.step,
            }
        )
        issuer = (getattr(settings, "OTP_TOTP_ISSUER", "") or "").replace(":", "")
        if issuer:
            label = f"{issuer}:{label}"
            params += f"&issuer={quote(issuer)}"
        return f"otpauth://totp/{quote(label)}?{params}"
