"""The evaluation's category facts and monthly sums (insight.pair_rollup), written from the
facts a database already holds, so an upgraded database evaluates exactly as before."""

import django.db.models.deletion
from django.db import migrations, models

from insight import facts


def add_up_months(apps, schema_editor):
    if apps.get_model("insight", "PairFact").objects.exists():
        facts.refresh_categories()  # every case's categories, then every month


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_recovery_codes_hashed"),
        ("casework", "0002_continuing_connections_and_safeguarding_concerns"),
        ("insight", "0006_gaps_summary"),
    ]

    operations = [
        migrations.CreateModel(
            name="FactCategory",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("category", models.CharField(max_length=200)),
                (
                    "case",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="casework.case",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("case", "category"), name="factcategory_once_per_category"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="PairMonth",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField()),
                ("section", models.CharField(max_length=40)),
                ("measure", models.CharField(max_length=40)),
                ("attended", models.BooleanField(null=True)),
                ("age_band", models.SmallIntegerField(null=True)),
                ("sex", models.CharField(max_length=16, null=True)),
                ("contacts", models.PositiveIntegerField(null=True)),
                ("ethnicity", models.CharField(max_length=1, null=True)),
                ("deprivation", models.PositiveSmallIntegerField(null=True)),
                ("long_term_conditions", models.PositiveSmallIntegerField(null=True)),
                ("code", models.CharField(max_length=40, null=True)),
                ("category", models.CharField(max_length=200, null=True)),
                ("baselines", models.BigIntegerField()),
                ("n", models.BigIntegerField()),
                ("sy", models.BigIntegerField()),
                ("syy", models.BigIntegerField()),
                ("sb", models.BigIntegerField()),
                ("sbb", models.BigIntegerField()),
                ("syb", models.BigIntegerField()),
                ("sa", models.BigIntegerField()),
                ("saa", models.BigIntegerField()),
                ("sab", models.BigIntegerField()),
                ("say", models.BigIntegerField()),
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
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="accounts.team",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["team", "month"], name="pairmonth_team_month_idx"),
                    models.Index(fields=["area", "month"], name="pairmonth_area_month_idx"),
                ],
            },
        ),
        migrations.AddIndex(
            model_name="pairfact",
            index=models.Index(fields=["received_on"], name="pairfact_day_idx"),
        ),
        migrations.RunPython(add_up_months, migrations.RunPython.noop),
    ]
