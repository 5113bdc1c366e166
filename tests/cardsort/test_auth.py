"""Signed session tokens (the sign-in cookie), the sign-in settings, and the local set-up of `make run`."""

from __future__ import annotations

import hmac
import tomllib

import pytest

from cardsort import auth

SECRET = "test-cookie-secret-0123456789abcdefghij"
HASH = auth.hash_password("correct horse", salt=b"fixed salt 16 b.")
NOW = 1_800_000_000
HOUR = 3600


def token(**kwargs) -> str:
    return auth.make_session_token(kwargs.pop("secret", SECRET), kwargs.pop("password_hash", HASH),
                                   kwargs.pop("lifetime", 12 * HOUR), now=kwargs.pop("now", NOW))


def test_a_token_is_valid_until_it_expires():
    t = token()
    assert auth.session_expiry(t, SECRET, HASH, 12 * HOUR, now=NOW) == NOW + 12 * HOUR
    assert auth.session_expiry(t, SECRET, HASH, 12 * HOUR, now=NOW + 12 * HOUR - 1) == NOW + 12 * HOUR
    assert auth.session_expiry(t, SECRET, HASH, 12 * HOUR, now=NOW + 12 * HOUR) is None


def test_each_sign_in_gets_its_own_token():
    assert token() != token()


def test_a_token_is_refused_with_another_secret_or_after_the_password_changed():
    t = token()
    assert auth.session_expiry(t, SECRET + "x", HASH, 12 * HOUR, now=NOW) is None
    new_hash = auth.hash_password("correct horse", salt=b"another salt 16b")  # same password, new hash
    assert auth.session_expiry(t, SECRET, new_hash, 12 * HOUR, now=NOW) is None


def test_a_tampered_token_is_refused():
    t = token()
    expires, session, signature = t.split(".")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    later = str(int(expires) + HOUR)
    for bad in (f"{expires}.{session}.{flipped}", f"{later}.{session}.{signature}",
                f"{expires}.other{session}.{signature}", f"{expires}.{session}", f"{t}.x", "", "...",
                f"{expires}.{session}.{signature}\u00e9", "x" * 300, f"-{expires}.{session}.{signature}"):
        assert auth.session_expiry(bad, SECRET, HASH, 12 * HOUR, now=NOW) is None, bad
    assert auth.session_expiry(None, SECRET, HASH, 12 * HOUR, now=NOW) is None  # type: ignore[arg-type]


def test_a_token_longer_than_the_lifetime_now_set_is_refused():
    t = token(lifetime=48 * HOUR)
    assert auth.session_expiry(t, SECRET, HASH, 48 * HOUR, now=NOW) == NOW + 48 * HOUR
    assert auth.session_expiry(t, SECRET, HASH, 12 * HOUR, now=NOW) is None


def test_the_signature_is_compared_in_constant_time(monkeypatch):
    calls, real = [], hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(auth.hmac, "compare_digest", spy)
    t = token()
    assert auth.session_expiry(t, SECRET, HASH, 12 * HOUR, now=NOW) is not None
    assert calls == [(t.split(".")[2].encode(), t.split(".")[2].encode())]


def test_session_hours_setting():
    assert auth.session_seconds(None) == 12 * HOUR
    assert auth.session_seconds("") == 12 * HOUR
    assert auth.session_seconds("8") == 8 * HOUR
    assert auth.session_seconds(0.5) == HOUR // 2
    for bad in ("twelve", "0", "-1", "nan", "inf", "9000"):
        with pytest.raises(ValueError, match=r"SESSION_HOURS \(or session_hours in .streamlit/secrets.toml\) must "
                                             r"be a number of hours above 0 and at most a year, not "):
            auth.session_seconds(bad)


def test_a_short_cookie_secret_is_refused_with_how_to_make_one():
    assert auth.check_cookie_secret(SECRET) == SECRET
    with pytest.raises(ValueError) as err:
        auth.check_cookie_secret("too short")
    assert str(err.value) == (
        "COOKIE_SECRET (or cookie_secret in .streamlit/secrets.toml) must be at least 32 characters; it has 9. "
        'Make one with: python -c "import secrets; print(secrets.token_urlsafe(32))"')


def test_the_hash_of_an_environment_password_is_the_same_in_every_process():
    assert auth.env_password_hash("s3cret pw") == auth.env_password_hash("s3cret pw")
    assert auth.verify_password("s3cret pw", auth.env_password_hash("s3cret pw"))
    assert auth.env_password_hash("s3cret pw") != auth.env_password_hash("s3cret pX")


def test_make_run_generates_a_cookie_secret_once_and_keeps_other_settings(tmp_path, monkeypatch):
    monkeypatch.delenv("COOKIE_SECRET", raising=False)
    secrets_file = tmp_path / ".streamlit" / "secrets.toml"
    secrets_file.parent.mkdir()
    secrets_file.write_text('researcher_password_hash = "scrypt$a$b"\n\n[connections.db]\nurl = "x"\n')
    assert auth.ensure_cookie_secret(secrets_file) is True
    first = tomllib.loads(secrets_file.read_text())
    assert len(first["cookie_secret"]) >= auth.MIN_SECRET_LENGTH
    assert first["researcher_password_hash"] == "scrypt$a$b" and first["connections"] == {"db": {"url": "x"}}
    assert secrets_file.stat().st_mode & 0o777 == 0o600
    assert auth.ensure_cookie_secret(secrets_file) is False  # kept: sign-ins survive a restart
    assert tomllib.loads(secrets_file.read_text()) == first


def test_no_cookie_secret_is_generated_when_the_environment_has_one(tmp_path, monkeypatch):
    monkeypatch.setenv("COOKIE_SECRET", SECRET)
    secrets_file = tmp_path / "secrets.toml"
    assert auth.ensure_cookie_secret(secrets_file) is False
    assert not secrets_file.exists()
