"""Public lead capture: ``POST /api/v1/capture/<capture_key>/`` (DESIGN §3.1, §4).

No authentication: the capture key in the URL names the organization (it sits in the HTML of
the organization's website, so it is public; rotate it if it is abused). Throttled per
capture key and per client IP. Accepts JSON, ``application/x-www-form-urlencoded`` (a plain
HTML form) and ``multipart/form-data``, and answers cross-origin requests (CORS), so a
website on any domain can post to it. ``Idempotency-Key`` is honoured as
draft-ietf-httpapi-idempotency-key-header describes (``collab_hub.idempotency``, the scope
``capture``); its 409 and 422 are problem details (RFC 9457), as the draft shows them.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from collab_hub import idempotency
from collab_hub.api import ReadOnlySerializer
from collab_hub.exceptions import DomainError, validation_error_body
from collab_hub.parsers import FormParser, JSONParser, MultiPartParser
from collab_hub.throttling import RateLimitHeadersMixin
from leads.services import capture
from leads.services.capture import CaptureSerializer

# Response headers a cross-origin page's script may read.
EXPOSED_HEADERS = "Idempotency-Key, Idempotent-Replayed, Retry-After"
IDEMPOTENCY_DRAFT = "https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/"


class ConfiguredRateThrottle(RateLimitHeadersMixin, SimpleRateThrottle):
    """A throttle whose rate is read from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` on
    every request (DRF reads it once at import), with a safe default when the scope is not
    configured."""

    default_rate = "60/min"

    def get_rate(self) -> str:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope or "")
        return str(rate) if rate else self.default_rate


class CaptureKeyThrottle(ConfiguredRateThrottle):
    """All submissions to one capture form, whoever sends them (a flood from many IPs)."""

    scope = "capture_key"
    default_rate = "600/min"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if request.method == "OPTIONS":
            return None
        key = view.kwargs.get("capture_key", "")
        ident = hashlib.sha256(key.encode()).hexdigest()[:32]
        return self.cache_format % {"scope": self.scope, "ident": ident}


class CaptureIPThrottle(ConfiguredRateThrottle):
    """Submissions from one client address, to any capture form."""

    scope = "capture_ip"
    default_rate = "30/min"

    def get_ident(self, request: Any) -> str:
        # X-Forwarded-For is only trusted when NUM_PROXIES says how many proxies set it;
        # otherwise any client could pick a fresh "address" per request.
        if api_settings.NUM_PROXIES is None:
            return request.META.get("REMOTE_ADDR", "")
        return super().get_ident(request)

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if request.method == "OPTIONS":
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AlwaysJSON(DefaultContentNegotiation):
    """Websites' visitors' browsers ask for HTML; the answer is JSON whatever they accept."""

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        renderer = renderers[0]
        return renderer, renderer.media_type


class CaptureReceiptSerializer(ReadOnlySerializer):
    id = serializers.IntegerField(help_text=_("The lead's id."))
    email = serializers.EmailField(help_text=_("The email, normalised (lower case)."))
    created = serializers.BooleanField(
        help_text=_("True when this request created the lead; false when the email was known.")
    )


class ProblemSerializer(ReadOnlySerializer):
    """RFC 9457 problem details, as the idempotency-key draft shows them."""

    type = serializers.CharField()
    title = serializers.CharField()
    detail = serializers.CharField()
    code = serializers.CharField()


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=_(
        'Optional. A unique key per submission (a UUID; a Structured Field string such as "…" '
        "or the bare value). A retry with the same key and body gets the first response; the "
        "same key with another body is a 422; while the first request runs, a 409. Keys are "
        "kept for at least 24 hours (48 at most)."
    ),
)


class CaptureView(APIView):
    """A website form submits a lead. The email de-duplicates within the organization: a new
    one creates the lead (201); a known one keeps the existing lead, fills only its empty
    fields and answers 200. The answer is a receipt, never the stored lead (the capture key
    is public, so the endpoint must not reveal what the organization knows)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [CaptureKeyThrottle, CaptureIPThrottle]
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = AlwaysJSON

    @extend_schema(
        operation_id="capture_lead",
        tags=["capture"],
        auth=[],
        parameters=[IDEMPOTENCY_KEY],
        # Website forms may post the same fields form-encoded (the parsers accept it); the
        # schema offers JSON alone, since a body offered in several encodings makes a
        # generated client send every field twice.
        request={"application/json": CaptureSerializer},
        responses={
            201: OpenApiResponse(CaptureReceiptSerializer, _("A new lead was created.")),
            200: OpenApiResponse(
                CaptureReceiptSerializer,
                _("The email was known: the existing lead was kept, its empty fields filled."),
            ),
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                _("Invalid body (field messages) or invalid Idempotency-Key (detail, code)."),
            ),
            404: OpenApiResponse(OpenApiTypes.OBJECT, _("No form has this capture key.")),
            (409, "application/problem+json"): OpenApiResponse(
                ProblemSerializer, _("A request with this Idempotency-Key is still in progress.")
            ),
            (422, "application/problem+json"): OpenApiResponse(
                ProblemSerializer,
                _("This Idempotency-Key was already used with a different body."),
            ),
            429: OpenApiResponse(
                OpenApiTypes.OBJECT,
                _("Too many submissions from this address or to this form; see Retry-After."),
            ),
        },
    )
    def post(self, request: Any, capture_key: str) -> Response:
        organization = capture.organization_for_capture_key(capture_key)
        if organization is None:
            raise NotFound(_("No capture form has this key."))
        raw_key = request.headers.get("Idempotency-Key")
        key = idempotency.parse_key(raw_key)
        body = idempotency.plain_body(request.data)

        def work() -> tuple[int, Any]:
            return self._capture(organization, body)

        if key is None:
            status_code, data = work()
            replayed = False
        else:
            try:
                outcome = idempotency.run_idempotently(
                    organization=organization,
                    scope=idempotency.CAPTURE_SCOPE,
                    key=key,
                    # The body alone (the records kept since before the API base honoured
                    # keys were fingerprinted so); the capture key in the path is the scope.
                    fingerprint=idempotency.body_fingerprint(body),
                    work=work,
                )
            except (
                idempotency.IdempotencyKeyReused,
                idempotency.IdempotencyRequestInFlight,
            ) as error:
                return self._problem(error, raw_key)
            status_code, data, replayed = outcome.status, outcome.body, outcome.replayed
        response = Response(data, status=status_code)
        if raw_key is not None:
            response["Idempotency-Key"] = raw_key
        if replayed:
            response[idempotency.REPLAYED_HEADER] = "true"
        return response

    def _capture(self, organization: Any, body: Any) -> tuple[int, Any]:
        data = CaptureSerializer(data=body, context={"organization": organization})
        if not data.is_valid():
            return 400, validation_error_body(data.errors)
        lead, created = capture.capture_lead(organization=organization, data=data.validated_data)
        receipt = CaptureReceiptSerializer({"id": lead.pk, "email": lead.email, "created": created})
        return (201 if created else 200), receipt.data

    def _problem(self, error: DomainError, raw_key: str | None) -> Response:
        titles = {
            409: _("A request is outstanding for this Idempotency-Key"),
            422: _("Idempotency-Key is already used"),
        }
        response = Response(
            {
                "type": IDEMPOTENCY_DRAFT,
                "title": titles[error.status_code],
                "detail": str(error.message),
                "code": error.code,
            },
            status=error.status_code,
            content_type="application/problem+json",
        )
        if raw_key is not None:
            response["Idempotency-Key"] = raw_key
        return response

    def options(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        """CORS preflight: any website may post (no cookies are involved)."""
        response = Response(status=204)
        response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Content-Type, Idempotency-Key"
        response["Access-Control-Max-Age"] = "86400"
        return response

    def finalize_response(self, request: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        return response


ROUTES: list = []
URLS = [path("capture/<str:capture_key>/", CaptureView.as_view(), name="api-capture")]
