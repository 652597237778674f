"""How API callers prove who they are: organization API keys, and the password exchange of the
token endpoint under the login page's lockout.

* ``ApiKeyAuthentication`` (in ``REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]``):
  ``Authorization: Bearer <key>``. The request acts as the key's integration membership
  (``request.user`` is the key's service user, ``request.auth`` the ``ApiKey``), so tenant
  scoping, policy and services apply unchanged; ``require_scope`` (called by
  ``collab_hub.api.PolicyPermission``) limits what the key may write.
* ``authenticate_for_token``: the token endpoint's password check, through allauth's adapter
  and its ``login_failed`` rate limit (``ACCOUNT_RATE_LIMITS``), the one the login page uses:
  failed attempts on either count for both, and a locked account gets no token.
* ``TokenAccountRateThrottle``: the token endpoint's limit per account (scope
  ``token_account``), beside its limit per address (scope ``token``).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions, permissions, throttling

from collab_hub.throttling import RateLimitHeadersMixin

if TYPE_CHECKING:
    from accounts.models import ApiKey, User

BEARER = "Bearer"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <key>``: an organization API key (``accounts.models.ApiKey``).

    The prefix (the key's first 12 characters) finds the row, the SHA-256 of the whole key
    is compared in constant time; an unknown, revoked or expired key is a 401
    ``authentication_failed``. Use is recorded at most once a minute. One query per request
    (plus an UPDATE at most once a minute).
    """

    def authenticate(self, request: Any) -> tuple[User, ApiKey] | None:
        # (DRF loads this class while the models load: the models are imported when used.)
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != BEARER.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the API key as: Authorization: Bearer <key>.")
            )
        try:
            key = parts[1].decode("ascii")
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid API key.")) from None
        api_key = find_api_key(key)
        if api_key is None:
            raise exceptions.AuthenticationFailed(_("Invalid API key."))
        if api_key.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This API key was revoked."))
        if api_key.is_expired:
            raise exceptions.AuthenticationFailed(_("This API key has expired."))
        refuse_unscoped_write(request, api_key)
        from accounts.services import record_api_key_use

        record_api_key_use(api_key=api_key)
        return api_key.membership.user, api_key

    def authenticate_header(self, request: Any) -> str:
        return f'{BEARER} realm="api"'


def find_api_key(key: str) -> ApiKey | None:
    """The key's row if ``key`` is one (whatever its state), else None."""
    from accounts.models import API_KEY_MARK, API_KEY_PREFIX_LENGTH, ApiKey, hash_api_key

    prefix = key[:API_KEY_PREFIX_LENGTH]
    if (
        not prefix.startswith(API_KEY_MARK)
        or key[API_KEY_PREFIX_LENGTH : API_KEY_PREFIX_LENGTH + 1] != "_"
    ):
        return None
    api_key = (
        ApiKey.objects.select_related("membership__user", "membership__organization")
        .filter(prefix=prefix)
        .first()
    )
    if api_key is None or not hmac.compare_digest(api_key.secret_hash, hash_api_key(key)):
        return None
    return api_key


def insufficient_scope(scope: str) -> exceptions.PermissionDenied:
    return exceptions.PermissionDenied(
        _("This API key's scopes do not include %(scope)s.") % {"scope": scope},
        code="insufficient_scope",
    )


def require_scope(request: Any, *, area: str) -> None:
    """Refuse (403 ``insufficient_scope``) a request authenticated by an API key whose scopes
    do not cover it: a read (GET, HEAD, OPTIONS) needs ``read``, every other method
    ``<area>:write``. Requests authenticated otherwise pass."""
    from accounts.models import READ_SCOPE, ApiKey

    api_key = getattr(request, "auth", None)
    if not isinstance(api_key, ApiKey):
        return
    scope = READ_SCOPE if request.method in permissions.SAFE_METHODS else f"{area}:write"
    if not api_key.has_scope(scope):
        raise insufficient_scope(scope)


def refuse_unscoped_write(request: Any, api_key: ApiKey) -> None:
    """Fail closed: a key writes only through a view whose ``PolicyPermission`` checks its
    scopes (``require_scope``). A write to any other view (a plain API view added tomorrow)
    is refused here, whatever the key's scopes."""
    from collab_hub.api import PolicyPermission

    if request.method in permissions.SAFE_METHODS:
        return
    view = (getattr(request, "parser_context", None) or {}).get("view")
    checks = view.get_permissions() if view is not None else []
    if not any(isinstance(permission, PolicyPermission) for permission in checks):
        raise exceptions.PermissionDenied(
            _("API keys cannot do this; use a personal token."), code="insufficient_scope"
        )


# --- The token endpoint ---------------------------------------------------------------------

ALLAUTH = "allauth.account"
LOGIN_FAILED = "login_failed"


class LoginLocked(Exception):
    """Too many failed logins for this account or address: the login page's lock."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


def authenticate_for_token(request: HttpRequest, *, email: str, password: str) -> User | None:
    """The active user with this email and password, else None; raises ``LoginLocked`` while
    the login page's lock holds (``ACCOUNT_RATE_LIMITS["login_failed"]``, per address and per
    account), even for the right password.

    Goes through allauth's adapter, as the login form does: a failure consumes the same
    counters (so failures here lock the login page and the other way round), a success
    gives back what it consumed.
    """
    from allauth.account.adapter import get_adapter
    from django.core.exceptions import ValidationError

    adapter = get_adapter(request)
    credentials = {"email": email, "password": password}
    try:
        user = adapter.authenticate(request, **credentials)
    except ValidationError as error:
        if error.code == "too_many_login_attempts":
            raise LoginLocked(_lock_wait(request, adapter, email)) from None
        raise
    if user is None or not user.is_active:
        return None
    result: User = user
    return result


def _lock_wait(request: HttpRequest, adapter: Any, email: str) -> int:
    """Seconds until allauth's ``login_failed`` limit lets another attempt through: for each
    exhausted rate, until the oldest attempt that fills it leaves its window."""
    from allauth.core.internal import ratelimit

    key = adapter._get_login_attempts_cache_key(request, email=email)
    now = time.time()
    wait = 1.0
    for rate in ratelimit.get_rates(app=ALLAUTH, action=LOGIN_FAILED):
        cache_key = ratelimit.get_cache_key(
            request, app=ALLAUTH, action=LOGIN_FAILED, rate=rate, key=key
        )
        # Newest first (allauth inserts at the front).
        history = [hit for hit in cache.get(cache_key, []) if hit > now - rate.duration]
        if len(history) >= rate.amount:
            wait = max(wait, history[rate.amount - 1] + rate.duration - now)
    return math.ceil(wait)


class TokenAccountRateThrottle(RateLimitHeadersMixin, throttling.SimpleRateThrottle):
    """Token requests per account (the email asked for), whatever the address: scope
    ``token_account``. Spreading guesses over many addresses does not multiply them."""

    scope = "token_account"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        data = request.data
        email = data.get("email") if isinstance(data, dict) else None
        if not isinstance(email, str) or not email.strip():
            return None
        ident = hashlib.sha256(email.strip().lower().encode()).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}
