"""The one composition root: the URL include of every app's pages, the API router built from
the routes the apps registered (``collab_hub.api.register_api``), the admin and the docs."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.utils.cache import patch_cache_control
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from collab_hub.api import api_unknown_path, api_urls, build_router

api_v1 = [
    *api_urls(),
    path("", include(build_router().urls)),
]


def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """``/favicon.ico``, which browsers ask for on every page without a ``<link rel=icon>``
    (the admin, a PDF, a JSON answer): the logo. A temporary redirect, since the static
    file's (hashed) name changes with each release."""
    response = HttpResponseRedirect(static("img/logo.svg"))
    patch_cache_control(response, public=True, max_age=86400)
    return response


urlpatterns = [
    path("favicon.ico", favicon, name="favicon"),
    path("", include("collab_hub.dashboard.urls")),
    path("", include("accounts.urls")),
    path("", include("leads.urls")),
    path("", include("roadmap.urls")),
    path("", include("handoffs.urls")),
    path("", include("feedback.urls")),
    path("notifications/", include("collab_hub.notifications.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # Last under /api/: any other path (an unknown resource, a non-numeric id) is a JSON 404,
    # with DEBUG on as well (Django's debug 404 page would be HTML).
    re_path(r"^api/(?P<path>.*)$", api_unknown_path, name="api-unknown-path"),
]

handler400 = "collab_hub.api.api_bad_request"
handler403 = "collab_hub.api.api_permission_denied"
handler404 = "collab_hub.api.api_not_found"
handler500 = "collab_hub.api.api_server_error"

# Nothing is served from MEDIA_URL, with DEBUG on as well: uploaded files are only served by
# views that check who asks (``/collateral/<id>/download/``, leads/files.py).
