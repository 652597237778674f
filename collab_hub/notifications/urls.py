from django.urls import path

from collab_hub.notifications import views

urlpatterns = [
    path("", views.inbox, name="notifications"),
    path("mark-read/", views.mark_read, name="notifications_mark_read"),
    path("comments/<str:target_type>/<int:target_id>/", views.comments, name="comments"),
]
