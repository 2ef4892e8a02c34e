from django.contrib import admin
from django.urls import include, path

from socialrx.api import api
from web.audit_log import audit_urls
from web.person import person_urls

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("web.urls")),
    path("account/", include("accounts.urls")),
    path("referrals/", include("referrals.urls")),
    path("people/", include(person_urls)),
    path("cases/", include("casework.urls")),
    path("directory/", include("directory.urls")),
    path("hsds/", include("directory.hsds_urls")),
    path("audit/", include(audit_urls)),
    path("outcomes/", include("outcomes.urls")),
    path("matching/", include("matching.urls")),
    path("insight/", include("insight.urls")),
    path("records/", include("records.urls")),
    path("trials/", include("trials.urls")),
]

handler400 = "web.views.bad_request"
handler403 = "web.views.permission_denied"
handler404 = "web.views.page_not_found"
handler500 = "web.views.server_error"
