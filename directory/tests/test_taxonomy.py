from directory.models import TaxonomyTerm
from directory.taxonomy import codes_for_need, codes_for_reason, definition, load_taxonomy
from outcomes.instruments import get_instrument
from referrals.reasons import Reason


def test_every_referral_reason_and_social_need_maps_to_real_terms():
    codes = {t["code"] for t in definition()["terms"]}
    for reason in Reason.values:
        assert codes_for_reason(reason), reason
        assert set(codes_for_reason(reason)) <= codes
    for domain in get_instrument("hrsn").definition["domains"]:
        assert set(codes_for_need(domain["id"])) <= codes and codes_for_need(domain["id"])


def test_parents_exist_and_ids_are_stable(db):
    assert load_taxonomy() == len(definition()["terms"])
    assert load_taxonomy() == len(definition()["terms"])  # idempotent
    ids = set(TaxonomyTerm.objects.values_list("pk", flat=True))
    assert all(t.parent_id in ids for t in TaxonomyTerm.objects.exclude(parent_id=None))


def test_the_taxonomy_terms_are_valid_hsds(db):
    from directory.hsds_schema import errors

    load_taxonomy()
    for term in definition()["terms"]:
        assert errors(term, "taxonomy_term.json") == []
    assert errors(definition()["taxonomy"], "taxonomy.json") == []
