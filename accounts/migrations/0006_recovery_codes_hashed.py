"""Recovery codes kept as keyed hashes (accounts.recovery_codes): the plain codes django-otp
stored as static tokens are hashed into RecoveryCode and deleted. Not reversible to plain
codes: going back leaves users without recovery codes (they make a new set)."""

import re

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils.crypto import salted_hmac

# Frozen copy of accounts.recovery_codes.digest at the time of this migration.
KEY_SALT = "socialrx.accounts.RecoveryCode"


def _digest(user_id, code):
    value = f"{user_id}:{code}"
    return salted_hmac(KEY_SALT, value, secret=settings.SECRET_KEY, algorithm="sha256").hexdigest()


def hash_plain_codes(apps, schema_editor):
    StaticToken = apps.get_model("otp_static", "StaticToken")
    RecoveryCode = apps.get_model("accounts", "RecoveryCode")
    rows = []
    for token in StaticToken.objects.select_related("device").iterator():
        code = re.sub(r"[\s-]+", "", token.token).lower()
        digest = _digest(token.device.user_id, code)
        rows.append(RecoveryCode(device_id=token.device_id, digest=digest))
    RecoveryCode.objects.bulk_create(rows, ignore_conflicts=True)
    StaticToken.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_api_token_expiry_and_scope"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [
        migrations.CreateModel(
            name="RecoveryCode",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("digest", models.CharField(max_length=64)),
                (
                    "device",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="recovery_codes",
                        to="otp_static.staticdevice",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("device", "digest"), name="recovery_code_once")
                ],
            },
        ),
        migrations.RunPython(hash_plain_codes, migrations.RunPython.noop, elidable=False),
    ]
