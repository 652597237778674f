"""Browser pages of the action items: the board (open / in progress / done, dropped ones
collapsed; filters by round, department and "mine"; overdue ones marked), creating an item
from a cell of a round's results (``?from=&to=``), and an item's page (a manager's edit
form, the owner's status buttons, the discussion).

Thin: forms check the shape, ``feedback.services.actions`` change state (and say no with a
``DomainError``, shown as a message or on the form). Records are looked up through
``tenant_object_or_404`` before any permission check, so another organization's item is a
404; a member who may see but not act, a 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.models import Department
from accounts.policy import can
from collab_hub.exceptions import DomainError
from collab_hub.tenancy import TenantRequest, require_page, tenant_object_or_404, tenant_view
from feedback.forms.actions import ActionItemForm, BoardFilterForm, StatusForm
from feedback.models import ActionItem, ActionStatus, FeedbackRound
from feedback.services import actions as services

# Items per column the board shows.
COLUMN_SIZE = 100
COLUMNS = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS, ActionStatus.DONE)


def _items() -> Any:
    return ActionItem.objects.select_related(
        "round", "from_department", "to_department", "owner__user"
    )


@tenant_view
def action_board(request: TenantRequest) -> HttpResponse:
    """Every action item in columns by status (dropped ones collapsed), the soonest due
    first; filters by round, department (either side of the pair) and "mine"."""
    require_page(request, "feedback.view")
    membership = request.membership
    form = BoardFilterForm(request.GET or None, membership=membership)
    filters = form.filters() if request.GET else {}
    qs = _items().visible_to(membership)
    if filters.get("round"):
        qs = qs.filter(round=filters["round"])
    if filters.get("department"):
        department = filters["department"]
        qs = qs.filter(Q(from_department=department) | Q(to_department=department))
    if filters.get("mine"):
        qs = qs.filter(owner=membership)
    rows = list(qs.order_by("status", "due_date", "pk")[: COLUMN_SIZE * 4])
    labels = dict(ActionStatus.choices)
    columns = [
        (status, labels[status], [item for item in rows if item.status == status])
        for status in COLUMNS
    ]
    context = {
        "form": form,
        "columns": columns,
        "dropped": [item for item in rows if item.status == ActionStatus.DROPPED],
        "filtered": bool(filters),
        "can_manage": can(membership, "feedback.manage"),
    }
    return render(request, "feedback/actions/board.html", context)


def _department(feedback_round: FeedbackRound, raw: str | None) -> Department | None:
    if not raw or not raw.isdigit():
        return None
    return feedback_round.departments.filter(pk=int(raw)).first()


@tenant_view
def action_item_create(request: TenantRequest, pk: int) -> HttpResponse:
    """An action item for one department pair of a round (``?from=&to=``, from the
    results' cell): title, description, owner, due date."""
    feedback_round = tenant_object_or_404(request, FeedbackRound, pk)
    require_page(request, "feedback.manage", feedback_round)
    membership = request.membership
    source = request.POST if request.method == "POST" else request.GET
    from_department = _department(feedback_round, source.get("from"))
    to_department = _department(feedback_round, source.get("to"))
    form = ActionItemForm(request.POST or None, membership=membership)
    if request.method == "POST" and form.is_valid():
        if from_department is None or to_department is None:
            form.add_error(None, _("Choose two different departments of the round."))
        else:
            try:
                item = services.create_action_item(
                    by=membership,
                    feedback_round=feedback_round,
                    from_department=from_department,
                    to_department=to_department,
                    **form.cleaned_data,
                )
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, _("The action item was created; its owner was told."))
                return redirect(item.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "round": feedback_round,
        "from_department": from_department,
        "to_department": to_department,
        "departments": list(feedback_round.departments.order_by("name", "pk")),
    }
    return render(request, "feedback/actions/form.html", context, status=status)


@tenant_view
def action_item_detail(request: TenantRequest, pk: int) -> HttpResponse:
    """One action item: its pair, round, owner and due date; managers edit it here (POST
    the form), its owner moves its status (POST ``status``); the discussion below."""
    item = tenant_object_or_404(request, _items(), pk)
    membership = request.membership
    require_page(request, "feedback.view", item)
    may_manage = can(membership, "feedback.manage", item)
    is_owner = item.owner_id == membership.pk
    initial = {
        "title": item.title,
        "description": item.description,
        "owner": item.owner_id,
        "due_date": item.due_date,
        "status": item.status,
    }
    form = ActionItemForm(initial=initial, membership=membership, edit=True) if may_manage else None
    status_code = 200
    if request.method == "POST" and "title" in request.POST:
        # The manager's form.
        if not may_manage:
            raise PermissionDenied
        form = ActionItemForm(request.POST, initial=initial, membership=membership, edit=True)
        if form.is_valid():
            try:
                services.update_action_item(by=membership, item=item, data=dict(form.cleaned_data))
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, _("The action item was saved."))
                return redirect(item.get_absolute_url())
        status_code = 400
    elif request.method == "POST":
        # A status button (the owner's, or a manager's).
        if not (may_manage or is_owner):
            raise PermissionDenied
        status_form = StatusForm(request.POST)
        if not status_form.is_valid():
            messages.error(request, _("Unknown status."))
            return redirect(item.get_absolute_url())
        try:
            services.update_action_item(
                by=membership, item=item, data={"status": status_form.cleaned_data["status"]}
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The action item was saved."))
        return redirect(item.get_absolute_url())
    labels = dict(ActionStatus.choices)
    context = {
        "item": item,
        "form": form,
        "can_manage": may_manage,
        "is_owner": is_owner,
        "moves": [(value, labels[value]) for value in ActionStatus.values if value != item.status]
        if (is_owner or may_manage)
        else [],
    }
    return render(request, "feedback/actions/detail.html", context, status=status_code)
