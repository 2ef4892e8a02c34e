from django.urls import path

from directory import hsds_api

app_name = "hsds"
urlpatterns = [
    path("", hsds_api.index, name="index"),
    path("services", hsds_api.services, name="services"),
    path("services/<uuid:service_id>", hsds_api.service, name="service"),
    path("organizations", hsds_api.organizations, name="organizations"),
    path("organizations/<uuid:organization_id>", hsds_api.organization, name="organization"),
    path("taxonomies", hsds_api.taxonomies, name="taxonomies"),
    path("taxonomy_terms", hsds_api.taxonomy_terms, name="taxonomy_terms"),
]
