from django.db import models

from collab_hub.tenancy import TenantModel


class Note(TenantModel):
    title = models.CharField(max_length=200)
    author = models.ForeignKey("accounts.Membership", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    visibility_kind = "notes"
    owner_fields = ("author",)

    def __str__(self) -> str:
        return self.title
