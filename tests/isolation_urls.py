"""A test-only URLconf: the real site plus deliberately unscoped endpoints.

The harness must report leaks for these, which proves it bites.
"""

from django.contrib import admin
from django.urls import include, path
from rest_framework import serializers, viewsets
from rest_framework.routers import SimpleRouter

from accounts.models import Department
from collab_hub.urls import urlpatterns as site_urlpatterns


class LeakyDepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name", "kind"]


class LeakyDepartmentViewSet(viewsets.ModelViewSet):
    """Forgets the tenant scoping: every organization's departments, to anyone signed in."""

    queryset = Department.objects.all()
    serializer_class = LeakyDepartmentSerializer


leaky_router = SimpleRouter()
leaky_router.register("leaky-departments", LeakyDepartmentViewSet, basename="leaky-department")


# A nested list mounted as a plain API URL (an app's ``URLS``), unscoped as well.
leaky_plain_urls = [
    path(
        "departments/<int:pk>/",
        LeakyDepartmentViewSet.as_view({"get": "retrieve"}),
        name="leaky-plain-department",
    )
]


class LeakyAdminSite(admin.AdminSite):
    def has_permission(self, request):
        return request.user.is_active


leaky_site = LeakyAdminSite(name="leaky_admin")


@admin.register(Department, site=leaky_site)
class LeakyDepartmentAdmin(admin.ModelAdmin):
    def has_module_permission(self, request):
        return True

    def has_view_permission(self, request, obj=None):
        return True

    def has_change_permission(self, request, obj=None):
        return True

    def has_add_permission(self, request):
        return True


def leaky_department_page(request, pk):
    """A page that looks the department up without the tenant scoping."""
    from django.http import HttpResponse

    return HttpResponse(Department.objects.get(pk=pk).name)


urlpatterns = [
    path("leaky-page/<int:pk>/", leaky_department_page, name="leaky_department_page"),
    path("leaky-api/", include(leaky_router.urls)),
    path("leaky-plain-api/", include(leaky_plain_urls)),
    path("leaky-admin/", leaky_site.urls),
    *site_urlpatterns,
]
