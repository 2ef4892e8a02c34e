"""Healthcare use per referral (insight.healthcare_facts), written from the records a
database already holds, so an upgraded database evaluates exactly as before."""

import django.db.models.deletion
from django.db import migrations, models

from insight import healthcare_facts


def write_facts(apps, schema_editor):
    if apps.get_model("outcomes", "HealthcareUse").objects.exists():
        healthcare_facts.rebuild()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_recovery_codes_hashed"),
        ("insight", "0004_dashboard_counts"),
        ("referrals", "0004_referral_local_identifier"),
        ("outcomes", "0002_follow_up_after_discharge_and_experience"),
    ]

    operations = [
        migrations.CreateModel(
            name="HealthcareFact",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "referral",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="referrals.referral",
                    ),
                ),
                ("received_on", models.DateField()),
                ("before_gp_appointment", models.IntegerField(default=0)),
                ("after_gp_appointment", models.IntegerField(default=0)),
                ("before_ae_attendance", models.IntegerField(default=0)),
                ("after_ae_attendance", models.IntegerField(default=0)),
                ("before_emergency_admission", models.IntegerField(default=0)),
                ("after_emergency_admission", models.IntegerField(default=0)),
                ("before_outpatient", models.IntegerField(default=0)),
                ("after_outpatient", models.IntegerField(default=0)),
                (
                    "area",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.area",
                    ),
                ),
                (
                    "team",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.team",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["team", "received_on"], name="healthfact_team_day_idx"),
                    models.Index(fields=["area", "received_on"], name="healthfact_area_day_idx"),
                ],
            },
        ),
        migrations.RunPython(write_facts, migrations.RunPython.noop),
    ]
