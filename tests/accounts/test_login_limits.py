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
