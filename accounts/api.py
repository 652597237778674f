"""API for the organization's people: token, me, departments, members, invitations, and the
organization's API keys."""

from typing import Any

from django.db.models import Count, Q
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import exceptions, mixins, permissions, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.authentication import (
    LoginLocked,
    TokenAccountRateThrottle,
    authenticate_for_token,
    insufficient_scope,
)
from accounts.models import ApiKey, ApiKeyStatus, Department, Invitation, Membership, Role
from collab_hub.api import (
    ReadOnlyModelSerializer,
    ReadOnlySerializer,
    ServiceViewSet,
    TenantModelSerializer,
    activate_user_language,
    api_membership,
)
from collab_hub.throttling import ScopedRateThrottle


class DepartmentSerializer(TenantModelSerializer):
    members_count = serializers.SerializerMethodField()

    class Meta:
        model = Department
        fields = ["id", "kind", "name", "members_count"]

    def get_members_count(self, obj: Department) -> int:
        annotated = getattr(obj, "members_count", None)
        if annotated is not None:
            return int(annotated)
        return obj.memberships.people().filter(is_active=True).count()


class UserSerializer(ReadOnlySerializer):
    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(read_only=True)
    full_name = serializers.CharField(read_only=True)
    language = serializers.CharField(read_only=True)


class MemberSerializer(TenantModelSerializer):
    user = UserSerializer(read_only=True)
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all())

    class Meta:
        model = Membership
        fields = ["id", "user", "department", "role", "is_active", "created_at"]
        read_only_fields = ["id", "user", "created_at"]


class InvitationSerializer(TenantModelSerializer):
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all())
    status = serializers.SerializerMethodField()

    class Meta:
        model = Invitation
        fields = [
            "id",
            "email",
            "department",
            "role",
            "status",
            "created_at",
            "expires_at",
            "accepted_at",
        ]
        read_only_fields = ["id", "status", "created_at", "expires_at", "accepted_at"]

    def get_status(self, obj: Invitation) -> str:
        if obj.accepted_at is not None:
            return "accepted"
        return "expired" if obj.is_expired else "pending"


class DepartmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ServiceViewSet,
):
    """The organization's departments. Everyone reads; admins create, rename and remove."""

    queryset = Department.objects.annotate(
        members_count=Count(
            "memberships",
            filter=Q(memberships__is_active=True, memberships__is_integration=False),
        )
    )
    serializer_class = DepartmentSerializer
    create_service = services.create_department
    update_service = services.update_department
    destroy_service = services.delete_department
    instance_arg = "department"
    # create_department(by=, kind=, name=): the fields as keywords.
    data_arg = None
    write_policy = "departments.manage"
    filterset_fields = ["kind"]
    ordering_fields = ["name", "id"]


class MemberViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, ServiceViewSet
):
    """People in the organization. Admins change role, department, or deactivate
    (``is_active: false``); members join through invitations."""

    queryset = Membership.objects.select_related("user", "department")
    serializer_class = MemberSerializer
    update_service = services.change_membership
    instance_arg = "membership"
    data_arg = None
    write_policy = "members.manage"
    filterset_fields = ["department", "role", "is_active"]
    ordering_fields = ["id", "created_at", "user__email"]


class InvitationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    ServiceViewSet,
):
    """Invitations by email into a department and role (admins). DELETE revokes (204, like
    every DELETE of the API); the invitation stays readable, expired from then on."""

    queryset = Invitation.objects.all()
    serializer_class = InvitationSerializer
    create_service = services.invite_member
    destroy_service = services.revoke_invitation
    instance_arg = "invitation"
    data_arg = None
    write_policy = "invitations.manage"
    policy = {"list": "invitations.manage", "retrieve": "invitations.manage"}
    ordering_fields = ["id", "created_at"]


class OrganizationSerializer(ReadOnlySerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    currency = serializers.CharField()
    timezone = serializers.CharField()


class MyOrganizationSerializer(ReadOnlySerializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)


class MeSerializer(ReadOnlySerializer):
    user = UserSerializer()
    organization = OrganizationSerializer(allow_null=True)
    department = DepartmentSerializer(allow_null=True)
    role = serializers.ChoiceField(choices=Role.choices, allow_null=True)
    membership_id = serializers.IntegerField(allow_null=True)
    organizations = MyOrganizationSerializer(many=True)


class MeView(APIView):
    """Who the caller is and where they act: user, active organization, department, role."""

    permission_classes = [IsAuthenticated]

    def perform_authentication(self, request):
        super().perform_authentication(request)
        if request.user and request.user.is_authenticated:
            activate_user_language(request)

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        from collab_hub.tenancy import memberships_of

        memberships = list(memberships_of(request.user))
        try:
            active = api_membership(request)
        except (exceptions.ParseError, exceptions.PermissionDenied):
            # Several organizations and no header, or none at all: no active organization.
            active = None
        org = active.organization if active else None
        return Response(
            {
                "user": UserSerializer(request.user).data,
                "organization": (
                    {
                        "id": org.pk,
                        "name": org.name,
                        "slug": org.slug,
                        "currency": org.currency,
                        "timezone": org.timezone,
                    }
                    if org
                    else None
                ),
                "department": DepartmentSerializer(active.department).data if active else None,
                "role": active.role if active else None,
                "membership_id": active.pk if active else None,
                "organizations": [
                    {"slug": m.organization.slug, "name": m.organization.name, "role": m.role}
                    for m in memberships
                ],
            }
        )


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})


class TokenView(APIView):
    """Exchange email and password for a personal API token.

    Limited per address (scope ``token``) and per account (``token_account``), and under the
    login page's lock: after too many failed logins for the account (here or on the page) it
    answers 429 ``too_many_login_attempts`` with ``Retry-After``, even for the right
    password."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle, TokenAccountRateThrottle]
    throttle_scope = "token"

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})},
    )
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            user = authenticate_for_token(
                request._request,
                email=data.validated_data["email"].lower(),
                password=data.validated_data["password"],
            )
        except LoginLocked as locked:
            return Response(
                {
                    "detail": _("Too many failed login attempts; retry in %(seconds)d seconds.")
                    % {"seconds": locked.retry_after},
                    "code": "too_many_login_attempts",
                },
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(locked.retry_after)},
            )
        if user is None:
            return Response(
                {"detail": _("Wrong email or password."), "code": "invalid_credentials"},
                status=status.HTTP_400_BAD_REQUEST,
            )
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


# --- Organization API keys ------------------------------------------------------------------


class ApiKeySerializer(ReadOnlyModelSerializer):
    """A key as lists and details show it: never the key, only its public prefix."""

    status = serializers.ChoiceField(choices=ApiKeyStatus.choices)
    scopes = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = ApiKey
        fields = [
            "id",
            "name",
            "prefix",
            "scopes",
            "status",
            "expires_at",
            "created_at",
            "created_by",
            "last_used_at",
            "revoked_at",
            "revoked_by",
        ]


class ApiKeyCreatedSerializer(ApiKeySerializer):
    """The answer to a create: the key itself, this once (``null`` in a replayed answer to a
    retry with the same ``Idempotency-Key``: the key is never stored, so it cannot be shown
    again; revoke that key and create another)."""

    key = serializers.CharField(allow_null=True)

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]


class ApiKeyWriteSerializer(TenantModelSerializer):
    """What an admin sets: a name, the scopes, an optional expiry."""

    scopes = serializers.ListField(child=serializers.CharField(), allow_empty=True)

    class Meta:
        model = ApiKey
        fields = ["name", "scopes", "expires_at"]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        # The areas are known once every app registered its routes (not at import).
        choices = services.api_key_scopes()
        fields["scopes"] = serializers.ListField(
            child=serializers.ChoiceField(choices=choices),
            max_length=len(choices),
            required=False,
            help_text=_(
                "read (every GET) and <area>:write per area, e.g. leads:write; "
                "a write scope includes read (the default: read only)."
            ),
        )
        return fields

    def to_representation(self, instance: ApiKey) -> Any:
        return ApiKeySerializer(instance, context=self.context).data


class NoApiKeys(permissions.BasePermission):
    """API keys never manage API keys (a key with accounts:write could otherwise mint a key
    with every scope): these endpoints are for signed-in admins and their personal tokens."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if isinstance(request.auth, ApiKey):
            raise insufficient_scope("api-keys")
        return True


@extend_schema_view(
    create=extend_schema(request=ApiKeyWriteSerializer, responses={201: ApiKeyCreatedSerializer}),
    update=extend_schema(request=ApiKeyWriteSerializer, responses={200: ApiKeySerializer}),
    partial_update=extend_schema(request=ApiKeyWriteSerializer, responses={200: ApiKeySerializer}),
)
class ApiKeyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    ServiceViewSet,
):
    """The organization's API keys for integrations (admins). The create answer holds the
    key, once; lists and details show its prefix only. DELETE revokes the key (204): requests
    with it are a 401 from then on, and it stays listed as ``revoked``."""

    queryset = ApiKey.objects.select_related("membership")
    permission_classes = [*ServiceViewSet.permission_classes, NoApiKeys]
    create_service = services.create_api_key
    update_service = services.update_api_key
    destroy_service = services.revoke_api_key
    instance_arg = "api_key"
    write_policy = "api_keys.manage"
    policy = {"list": "api_keys.manage", "retrieve": "api_keys.manage"}
    ordering_fields = ["id", "created_at", "name", "last_used_at"]

    _issued_key: str | None = None

    def get_serializer_class(self) -> Any:
        if self.action in ("create", "update", "partial_update"):
            return ApiKeyWriteSerializer
        return ApiKeySerializer

    def create_arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "name": data["name"],
            "scopes": data.get("scopes", []),
            "expires_at": data.get("expires_at"),
        }

    def response_row(self, row: Any) -> Any:
        if isinstance(row, services.NewApiKey):
            self._issued_key = row.key
            return row.api_key
        return row

    def create(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        written = self.get_serializer(data=request.data)
        written.is_valid(raise_exception=True)
        self.perform_create(written)
        # The key is added in finalize_response, after an Idempotency-Key answer was stored:
        # a stored answer (and its replay) never holds it.
        body = {**ApiKeySerializer(written.instance, context=written.context).data, "key": None}
        return Response(body, status=status.HTTP_201_CREATED)

    def finalize_response(self, request: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        if self._issued_key is not None and isinstance(getattr(response, "data", None), dict):
            response.data["key"] = self._issued_key
            self._issued_key = None
        return super().finalize_response(request, response, *args, **kwargs)


ROUTES = [
    ("departments", DepartmentViewSet, "department"),
    ("members", MemberViewSet, "member"),
    ("invitations", InvitationViewSet, "invitation"),
    ("api-keys", ApiKeyViewSet, "api-key"),
]
URLS = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("me/", MeView.as_view(), name="api-me"),
]
