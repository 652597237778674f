"""Login attempts are limited (DESIGN §7.4): guessing a password stops after a few tries."""

from tests.factories import TEST_PASSWORD


def _login(client, password):
    return client.post("/accounts/login/", {"login": "alice@acme.test", "password": password})


def test_repeated_wrong_passwords_lock_the_account_for_a_while(client, alice):
    for _ in range(5):
        assert "Too many failed login attempts" not in _login(client, "guess").content.decode()
    response = _login(client, "guess")
    assert "Too many failed login attempts" in response.content.decode()
    # Even the right password is refused while the limit holds.
    response = _login(client, TEST_PASSWORD)
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_right_password_logs_in(client, alice):
    response = _login(client, TEST_PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(alice.user.pk)


# --- The token endpoint shares the lock (issue 7) ---------------------------------------------

TOKEN = "/api/v1/auth/token/"


def _token(client, password, email="alice@acme.test", **extra):
    return client.post(
        TOKEN,
        {"email": email, "password": password},
        content_type="application/json",
        **extra,
    )


def test_a_locked_account_gets_no_token_even_with_the_right_password(client, alice):
    for _ in range(6):
        _login(client, "guess")
    assert "Too many failed login attempts" in _login(client, TEST_PASSWORD).content.decode()
    response = _token(client, TEST_PASSWORD)
    assert response.status_code == 429
    assert response.json()["code"] == "too_many_login_attempts"
    assert "token" not in response.json()
    # The lock is 5 failures in 5 minutes: the oldest leaves the window within 300 s.
    assert 0 < int(response["Retry-After"]) <= 300


def test_failed_passwords_at_the_token_endpoint_lock_the_login_page(client, alice):
    statuses = [_token(client, "guess").status_code for _ in range(6)]
    assert statuses == [400] * 5 + [429]
    assert "Too many failed login attempts" in _login(client, TEST_PASSWORD).content.decode()
    assert "_auth_user_id" not in client.session


def test_a_lock_from_other_addresses_holds_for_the_token_endpoint(client, alice):
    for n in range(5):
        _token(client, "guess", REMOTE_ADDR=f"203.0.113.{n}")
    assert _token(client, TEST_PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 429


def test_the_right_password_gets_a_token_and_costs_no_attempt(client, alice):
    for _ in range(4):
        assert _token(client, "guess").status_code == 400
    for _ in range(3):
        assert _token(client, TEST_PASSWORD).status_code == 200
    # Four failures still: one more try before the lock.
    assert _token(client, "guess").status_code == 400
    assert _token(client, TEST_PASSWORD).status_code == 429


def test_the_token_endpoint_is_limited_per_account_from_any_address(client, alice, bob, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "token_account": "3/hour",
        },
    }
    answers = [
        _token(client, TEST_PASSWORD, REMOTE_ADDR=f"203.0.113.{n}").status_code for n in range(4)
    ]
    assert answers == [200, 200, 200, 429]
    throttled = _token(client, TEST_PASSWORD, REMOTE_ADDR="198.51.100.9")
    assert throttled.status_code == 429 and throttled.json()["code"] == "throttled"
    assert int(throttled["Retry-After"]) > 0
    assert '"token_account";q=3;w=3600' in throttled["RateLimit-Policy"]
    # Another account is not affected.
    assert _token(client, TEST_PASSWORD, email="bob@acme.test").status_code == 200
