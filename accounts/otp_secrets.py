"""Two-factor secrets, encrypted at rest.

An authenticator app's shared secret (the TOTP key) is stored only as a Fernet token
(AES-128-CBC with HMAC-SHA256, from the `cryptography` package) in
accounts.AuthenticatorDevice.encrypted_key, so someone who reads the database (a backup, a
replica) cannot make anyone's codes.

The key is derived with HKDF-SHA256, under a label naming this purpose, from
OTP_ENCRYPTION_KEY when it is set, otherwise from SECRET_KEY (the label keeps it unrelated
to every other use of SECRET_KEY). New secrets are encrypted under that key. A stored
secret is decrypted under the first of these that opens it: OTP_ENCRYPTION_KEY,
OTP_ENCRYPTION_KEY_FALLBACKS, SECRET_KEY, SECRET_KEY_FALLBACKS. So either key can be
rotated as Django rotates SECRET_KEY (the old one listed in the fallbacks), and a dedicated
key can be introduced later; `manage.py reencrypt_two_factor_secrets` then rewrites every
secret under the current key, after which the old one can go (docs/operations.md#sign-in).
A secret that no configured key opens raises SecretUnreadable: its user's two-factor
sign-in must be reset by an administrator."""

from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.utils.encoding import force_bytes

# Also in migration 0008: change neither alone (a new label makes every stored secret
# unreadable).
PURPOSE = b"socialrx.accounts.AuthenticatorDevice.encrypted_key"


class SecretUnreadable(Exception):
    """No configured key decrypts a stored two-factor secret."""


def _fernet_key(secret: str | bytes) -> bytes:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=PURPOSE).derive(
        force_bytes(secret)
    )
    return base64.urlsafe_b64encode(derived)


@functools.lru_cache(maxsize=8)
def _multi_fernet(secrets: tuple[str | bytes, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_fernet_key(secret)) for secret in secrets])


def _secrets() -> tuple[str | bytes, ...]:
    """The keys in the order they are tried: the current one (encrypts) first."""
    dedicated = getattr(settings, "OTP_ENCRYPTION_KEY", "")
    ordered = [
        dedicated or settings.SECRET_KEY,
        *getattr(settings, "OTP_ENCRYPTION_KEY_FALLBACKS", []),
        settings.SECRET_KEY,
        *getattr(settings, "SECRET_KEY_FALLBACKS", []),
    ]
    return tuple(dict.fromkeys(secret for secret in ordered if secret))


def encrypt(raw: bytes) -> str:
    """The stored form of a secret: a Fernet token under the current key."""
    return _multi_fernet(_secrets()).encrypt(raw).decode("ascii")


def decrypt(token: str) -> bytes:
    """The secret a stored token holds, or SecretUnreadable."""
    try:
        return _multi_fernet(_secrets()).decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeEncodeError):
        raise SecretUnreadable(
            "This two-factor secret was encrypted under a key that is neither "
            "OTP_ENCRYPTION_KEY, SECRET_KEY nor one of their fallbacks."
        ) from None


def reencrypt(token: str) -> str:
    """The same secret encrypted under the current key (for rotation), or SecretUnreadable."""
    try:
        return _multi_fernet(_secrets()).rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeEncodeError):
        raise SecretUnreadable("This two-factor secret cannot be decrypted.") from None
