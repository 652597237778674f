"""Browser forms of the feedback rounds: the round itself (create and edit) and the answer
form, one small form per department to rate. They check the shape of input;
``feedback.services`` apply the rules (and say no with a ``DomainError``, shown on the form).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from collab_hub.tenancy import TenantFormMixin
from feedback.models import (
    DEFAULT_MIN_RESPONSES,
    MIN_RESPONSES_MAX,
    MIN_RESPONSES_MIN,
    RATING_MAX,
    RATING_MIN,
    RATINGS,
    FeedbackRound,
)
from feedback.services.responses import COMMENT_MAX
from feedback.services.rounds import NAME_MAX

if TYPE_CHECKING:
    _DepartmentsField = forms.ModelMultipleChoiceField[Department]
else:
    _DepartmentsField = forms.ModelMultipleChoiceField

# The one-line hint under each question of the answer form.
RATING_HINTS: dict[str, Any] = {
    "collaboration": _("Working with them: shared goals, fair give and take."),
    "responsiveness": _("They answer and act in good time."),
    "quality": _("What they hand over is complete and right the first time."),
}


class DateTimeLocalInput(forms.DateTimeInput):
    """``<input type=datetime-local>`` with an ISO value in every language."""

    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _datetime_field(label: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
    )


class RoundForm(TenantFormMixin, forms.Form):
    """A round's name, dates, departments, anonymity and minimum per cell. Once the round
    is open only the name and the closing time may change: the view asks for ``open_only``
    and the other fields are not on the form."""

    name = forms.CharField(label=_("Name"), max_length=NAME_MAX)
    opens_at = _datetime_field(_("Opens"))
    closes_at = _datetime_field(_("Closes"))
    departments = _DepartmentsField(
        label=_("Participating departments"),
        queryset=Department.objects.order_by("name", "pk"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Everyone in these departments is asked to rate the other ones."),
    )
    anonymous = forms.BooleanField(
        label=_("Anonymous"),
        required=False,
        initial=True,
        help_text=FeedbackRound._meta.get_field("anonymous").help_text,
    )
    min_responses = forms.IntegerField(
        label=_("Minimum responses per cell"),
        min_value=MIN_RESPONSES_MIN,
        max_value=MIN_RESPONSES_MAX,
        initial=DEFAULT_MIN_RESPONSES,
        help_text=FeedbackRound._meta.get_field("min_responses").help_text,
    )

    OPEN_FIELDS = ("name", "closes_at")

    def __init__(self, *args: Any, open_only: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if open_only:
            for name in list(self.fields):
                if name not in self.OPEN_FIELDS:
                    del self.fields[name]


class AnswerForm(forms.Form):
    """One department's card of the answer form: three ratings and a comment. A card left
    entirely blank is skipped (``is_blank``); a card partly filled is an error on it."""

    collaboration = forms.TypedChoiceField(
        label=_("Collaboration"), required=False, coerce=int, empty_value=None
    )
    responsiveness = forms.TypedChoiceField(
        label=_("Responsiveness"), required=False, coerce=int, empty_value=None
    )
    quality = forms.TypedChoiceField(
        label=_("Quality"), required=False, coerce=int, empty_value=None
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, department: Department, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"d{department.pk}")
        super().__init__(*args, **kwargs)
        self.department = department
        choices = [(str(n), str(n)) for n in range(RATING_MIN, RATING_MAX + 1)]
        for name in RATINGS:
            field: Any = self.fields[name]
            field.choices = choices
            field.widget = forms.RadioSelect(choices=choices)
            field.help_text = RATING_HINTS[name]

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return (
            all(data.get(name) in (None, "") for name in RATINGS)
            and not (data.get("comment") or "").strip()
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors or self.is_blank:
            return data
        for name in RATINGS:
            if data.get(name) in (None, ""):
                self.add_error(name, _("Rate this too, or leave the whole department blank."))
        return data

    @property
    def ratings(self) -> list[tuple[str, Any]]:
        """(name, bound field) of the three questions, for the card's rows."""
        return [(name, self[name]) for name in RATINGS]
