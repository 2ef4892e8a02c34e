"""Query counts, pinned exactly, for the directory's search pages and every /hsds/ list: the
count must not grow with the number of services (STYLE: say why in the PR if one changes)."""

import pytest

from directory.hsds_import import import_hsds
from directory.tests.factories import ServiceFactory
from directory.tests.hsds_data import ARRAY

pytestmark = pytest.mark.django_db


@pytest.fixture(params=[0, 12], ids=["sample", "sample+12"])
def dataset(request, organization):
    """The HSDS sample dataset, alone and with twelve more services: the same count for both."""
    import_hsds(ARRAY)
    ServiceFactory.create_batch(request.param, organization=organization)


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/directory/", 4),
        ("/directory/?q=counselling", 7),
    ],
)
def test_the_staff_search_page_query_count_is_pinned(
    client, worker, dataset, url, queries, django_assert_num_queries
):
    client.force_login(worker)
    with django_assert_num_queries(queries):
        resp = client.get(url)
    assert resp.status_code == 200


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/directory/find/", 1),
        ("/directory/find/?q=counselling", 4),
    ],
)
def test_the_public_search_page_query_count_is_pinned(
    client, dataset, url, queries, django_assert_num_queries
):
    with django_assert_num_queries(queries):
        resp = client.get(url)
    assert resp.status_code == 200


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/hsds/services", 27),
        ("/hsds/services?full=true", 27),
        ("/hsds/organizations", 2),
        ("/hsds/taxonomies", 2),
        ("/hsds/taxonomy_terms", 2),
    ],
)
def test_every_hsds_list_query_count_is_pinned(
    client, dataset, url, queries, django_assert_num_queries
):
    with django_assert_num_queries(queries):
        resp = client.get(url)
    assert resp.status_code == 200
    assert resp.json()["contents"]
