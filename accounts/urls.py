from django.urls import path

from accounts import views

urlpatterns = [
    path("welcome/", views.no_organization, name="no_organization"),
    path("organizations/new/", views.create_organization, name="organization_create"),
    path("organizations/switch/", views.switch_organization, name="switch_organization"),
    path("invitations/<str:token>/", views.accept_invitation_view, name="invitation_accept"),
    path("people/", views.people, name="people"),
    path("people/invite/", views.invite_member, name="invite_member"),
    path("people/<int:pk>/", views.member_edit, name="member_edit"),
    path(
        "people/invitations/<int:pk>/revoke/",
        views.revoke_invitation,
        name="revoke_invitation",
    ),
    path("departments/new/", views.department_create, name="department_create"),
    path("departments/<int:pk>/", views.department_detail, name="department_detail"),
    path("departments/<int:pk>/edit/", views.department_edit, name="department_edit"),
    path("profile/", views.profile, name="profile"),
    path("language/", views.switch_language, name="switch_language"),
]
