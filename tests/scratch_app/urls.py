from django.urls import path

from tests.scratch_app import views

app_name = "scratch"

urlpatterns = [path("notes/", views.note_list, name="note_list")]
