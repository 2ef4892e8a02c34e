"""/hsds/: the HSDS API's routes, as django-ninja builds them (namespace "hsds")."""

from directory.hsds_api import hsds

app_name = hsds.urls_namespace
urlpatterns = hsds.urls[0]
