"""The dashboards' counters and contact days (insight.dashboard_counts), written from the
records a database already holds, so an upgraded database shows exactly what it did."""

import django.db.models.deletion
from django.db import migrations, models

from insight import dashboard_counts


def write_counts(apps, schema_editor):
    if apps.get_model("referrals", "Referral").objects.exists():
        dashboard_counts.rebuild()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_recovery_codes_hashed"),
        ("insight", "0003_evaluation_facts"),
        ("people", "0003_equity_fields"),
        ("referrals", "0004_referral_local_identifier"),
        ("casework", "0002_continuing_connections_and_safeguarding_concerns"),
        # insight's summaries are written from these apps' records by the code of the
        # migrations 0004-0007 (RunPython), so their tables must be as that code reads them.
        ("outcomes", "0002_follow_up_after_discharge_and_experience"),
        ("directory", "0004_location_lat_lon_index"),
        ("places", "0002_deprivation"),
    ]

    operations = [
        migrations.CreateModel(
            name="ContactDay",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("previous", models.DateField(null=True)),
                ("contacts", models.PositiveIntegerField()),
                ("minutes", models.BigIntegerField()),
                (
                    "area",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.area",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="people.person",
                    ),
                ),
                (
                    "team",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.team",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["day"],
                        include=("area", "team", "previous", "contacts", "minutes"),
                        name="contactday_day_idx",
                    ),
                    models.Index(
                        fields=["previous"],
                        include=("area", "team", "day"),
                        name="contactday_previous_idx",
                    ),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("person", "team", "area", "day"), name="contactday_once_per_day"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ContactMonth",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField()),
                ("previous_month", models.DateField()),
                ("days", models.BigIntegerField()),
                ("contacts", models.BigIntegerField()),
                ("minutes", models.BigIntegerField()),
                (
                    "area",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.area",
                    ),
                ),
                (
                    "team",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.team",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("area", "team", "month", "previous_month"),
                        name="contactmonth_cell",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="DashboardCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("kind", models.CharField(max_length=12)),
                ("key", models.CharField(max_length=40)),
                ("n", models.BigIntegerField()),
                (
                    "area",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.area",
                    ),
                ),
                (
                    "team",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.team",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["kind", "day"], name="dashboardcount_kind_day_idx")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("kind", "area", "team", "day", "key"), name="dashboardcount_cell"
                    )
                ],
            },
        ),
        migrations.RunPython(write_counts, migrations.RunPython.noop),
    ]
