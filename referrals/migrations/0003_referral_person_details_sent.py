from django.db import migrations, models


def backfill(apps, schema_editor):
    """Referrals made before the snapshot: the record's identity is the best account of
    what was sent (the referral was matched to it on these details)."""
    Referral = apps.get_model("referrals", "Referral")
    for referral in Referral.objects.select_related("person").iterator():
        person = referral.person
        referral.person_details_sent = {
            "given_name": person.given_name,
            "family_name": person.family_name,
            "birth_date": person.birth_date.isoformat() if person.birth_date else "",
            "nhs_number": person.nhs_number,
        }
        referral.save(update_fields=["person_details_sent"])


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0002_add_person_details_given"),
        ("people", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="referral",
            name="person_details_sent",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text=(
                    "Who the referrer said the referral is about, as sent (name, date of "
                    "birth, NHS number): what a referrer is shown, never the record it was "
                    "filed against."
                ),
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
