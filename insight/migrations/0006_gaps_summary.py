"""The gaps page's needs (insight.gaps_summary), written from the records a database already
holds, so an upgraded database shows exactly what it did."""

from django.db import migrations, models

from insight import gaps_summary


def write_needs(apps, schema_editor):
    if apps.get_model("referrals", "Referral").objects.exists():
        gaps_summary.rebuild()


class Migration(migrations.Migration):
    dependencies = [
        ("insight", "0005_healthcare_facts"),
        ("referrals", "0004_referral_local_identifier"),
        ("outcomes", "0002_follow_up_after_discharge_and_experience"),
    ]

    operations: list = [
        migrations.CreateModel(
            name="GapNeed",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("source", models.SmallIntegerField()),
                ("record", models.UUIDField()),
                ("person", models.UUIDField()),
                ("area_id", models.BigIntegerField()),
                ("area_name", models.CharField(max_length=200)),
                ("filter_area_id", models.BigIntegerField(null=True)),
                ("filter_team_id", models.BigIntegerField(null=True)),
                ("day", models.DateField()),
                ("postcode", models.CharField(max_length=10)),
                ("need", models.CharField(max_length=40)),
                ("prev", models.DateField(null=True)),
                ("prev_area", models.DateField(null=True)),
                ("prev_team", models.DateField(null=True)),
                ("prev_area_team", models.DateField(null=True)),
            ],
            options={
                "indexes": [
                    models.Index(fields=["person"], name="gapneed_person_idx"),
                    models.Index(fields=["record"], name="gapneed_record_idx"),
                    models.Index(
                        fields=["source", "day"],
                        include=["area_name", "postcode", "need", "prev"],
                        name="gapneed_source_day_idx",
                    ),
                    models.Index(
                        fields=["filter_team_id", "source", "day"],
                        include=[
                            "area_name",
                            "postcode",
                            "need",
                            "filter_area_id",
                            "prev_team",
                            "prev_area_team",
                        ],
                        name="gapneed_team_day_idx",
                    ),
                    models.Index(
                        fields=["filter_area_id", "source", "day"],
                        include=["area_name", "postcode", "need", "prev_area"],
                        name="gapneed_area_day_idx",
                    ),
                ],
            },
        ),
        migrations.RunPython(write_needs, migrations.RunPython.noop),
    ]
