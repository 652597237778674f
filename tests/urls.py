"""The test URLconf: the site, plus the scratch app's pages (its URL include, the one line a
new app adds to ``collab_hub/urls.py``)."""

from django.urls import include, path

from collab_hub.urls import handler400, handler403, handler404, handler500  # noqa: F401
from collab_hub.urls import urlpatterns as site_urlpatterns

urlpatterns = [*site_urlpatterns, path("", include("tests.scratch_app.urls"))]
