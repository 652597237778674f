from django.urls import path

from accounts import views

urlpatterns = [
    path("welcome/", views.no_organization, name="no_organization"),
    path("organizations/switch/", views.switch_organization, name="switch_organization"),
    path("invitations/<str:token>/", views.accept_invitation_view, name="invitation_accept"),
]
