from django.db import models

from collab_hub.tenancy import TenantModel


class Note(TenantModel):
    title = models.CharField(max_length=200)
    author = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # When the author means to have reviewed it: their "my work" on the home page.
    due_at = models.DateTimeField(null=True, blank=True)

    visibility_kind = "notes"
    owner_fields = ("author",)

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        # What a plug-in app does for its notifications to link to its records.
        from django.urls import reverse

        return reverse("scratch:note_list")
