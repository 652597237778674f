"""API for the organization's people: token, me, departments, members, invitations."""

from django.contrib.auth import authenticate
from django.db.models import Count, Q
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from accounts import services
from accounts.models import Department, Invitation, Membership, Role
from collab_hub.api import (
    ReadOnlySerializer,
    ServiceViewSet,
    SoftDestroyModelMixin,
    TenantModelSerializer,
    activate_user_language,
    api_membership,
)


class DepartmentSerializer(TenantModelSerializer):
    members_count = serializers.SerializerMethodField()

    class Meta:
        model = Department
        fields = ["id", "kind", "name", "members_count"]

    def get_members_count(self, obj: Department) -> int:
        annotated = getattr(obj, "members_count", None)
        return (
            annotated if annotated is not None else obj.memberships.filter(is_active=True).count()
        )


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
        members_count=Count("memberships", filter=Q(memberships__is_active=True))
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


@extend_schema_view(destroy=extend_schema(responses={200: InvitationSerializer}))
class InvitationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    SoftDestroyModelMixin,
    ServiceViewSet,
):
    """Invitations by email into a department and role (admins). DELETE revokes and answers
    the revoked invitation."""

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
    """Exchange email and password for an API token (throttled)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()})},
    )
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            email=data.validated_data["email"].lower(),
            password=data.validated_data["password"],
        )
        if user is None or not user.is_active:
            return Response(
                {"detail": _("Wrong email or password."), "code": "invalid_credentials"},
                status=status.HTTP_400_BAD_REQUEST,
            )
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


ROUTES = [
    ("departments", DepartmentViewSet, "department"),
    ("members", MemberViewSet, "member"),
    ("invitations", InvitationViewSet, "invitation"),
]
URLS = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("me/", MeView.as_view(), name="api-me"),
]
