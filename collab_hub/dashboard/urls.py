from django.urls import path

from collab_hub.dashboard import views

urlpatterns = [
    path("", views.home, name="home"),
]
