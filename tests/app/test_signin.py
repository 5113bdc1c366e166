"""Signed session tokens of the researcher sign-in (the cookie), pure functions of ``app_pages/_signin.py``."""

from __future__ import annotations

import hmac

from app_pages import _signin
from app_pages._signin import make_session_token, pick_address, session_expiry, session_seconds, token_account
from cardsort import auth

SECRET = "test-cookie-secret-0123456789abcdefghij"
HASH = auth.hash_password("correct horse", salt=b"fixed salt 16 b.")
NOW = 1_800_000_000
HOUR = 3600


def token(**kwargs) -> str:
    return make_session_token(kwargs.pop("secret", SECRET), kwargs.pop("account_id", 7),
                              kwargs.pop("password_hash", HASH), kwargs.pop("lifetime", 12 * HOUR),
                              now=kwargs.pop("now", NOW))


def test_a_token_is_valid_until_it_expires():
    t = token()
    assert session_expiry(t, SECRET, HASH, 12 * HOUR, now=NOW) == NOW + 12 * HOUR
    assert session_expiry(t, SECRET, HASH, 12 * HOUR, now=NOW + 12 * HOUR - 1) == NOW + 12 * HOUR
    assert session_expiry(t, SECRET, HASH, 12 * HOUR, now=NOW + 12 * HOUR) is None


def test_each_sign_in_gets_its_own_token():
    assert token() != token()


def test_a_token_is_refused_with_another_secret_or_after_the_password_changed():
    t = token()
    assert session_expiry(t, SECRET + "x", HASH, 12 * HOUR, now=NOW) is None
    new_hash = auth.hash_password("correct horse", salt=b"another salt 16b")  # same password, new hash
    assert session_expiry(t, SECRET, new_hash, 12 * HOUR, now=NOW) is None


def test_a_token_names_its_account_and_another_account_cannot_use_it():
    t = token(account_id=7)
    assert token_account(t) == 7
    expires, account, session, signature = t.split(".")
    assert session_expiry(f"{expires}.8.{session}.{signature}", SECRET, HASH, 12 * HOUR, now=NOW) is None
    assert token_account("1.x.2.3") is None and token_account(None) is None


def test_a_tampered_token_is_refused():
    t = token()
    expires, account, session, signature = t.split(".")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    later = str(int(expires) + HOUR)
    for bad in (f"{expires}.{account}.{session}.{flipped}", f"{later}.{account}.{session}.{signature}",
                f"{expires}.{account}.other{session}.{signature}", f"{expires}.{account}.{session}", f"{t}.x", "",
                "...", f"{expires}.{account}.{session}.{signature}\u00e9", "x" * 300,
                f"-{expires}.{account}.{session}.{signature}", f"{expires}.{session}.{signature}"):
        assert session_expiry(bad, SECRET, HASH, 12 * HOUR, now=NOW) is None, bad
    assert session_expiry(None, SECRET, HASH, 12 * HOUR, now=NOW) is None  # type: ignore[arg-type]


def test_a_token_longer_than_the_lifetime_now_set_is_refused():
    t = token(lifetime=48 * HOUR)
    assert session_expiry(t, SECRET, HASH, 48 * HOUR, now=NOW) == NOW + 48 * HOUR
    assert session_expiry(t, SECRET, HASH, 12 * HOUR, now=NOW) is None


def test_the_signature_is_compared_in_constant_time(monkeypatch):
    calls, real = [], hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(_signin.hmac, "compare_digest", spy)
    t = token()
    assert session_expiry(t, SECRET, HASH, 12 * HOUR, now=NOW) is not None
    assert calls == [(t.split(".")[3].encode(), t.split(".")[3].encode())]


def test_the_session_lasts_the_hours_set_and_at_least_a_minute():
    assert session_seconds(12.0) == 12 * HOUR
    assert session_seconds(0.5) == HOUR // 2
    assert session_seconds(0.001) == 60


def test_failed_sign_ins_are_counted_for_the_address_the_nearest_proxy_saw():
    assert pick_address("93.184.216.34", None) == "93.184.216.34"
    assert pick_address("93.184.216.34", "151.101.1.69") == "93.184.216.34"  # a public client: header not trusted
    assert pick_address("10.0.0.2", "1.2.3.4, 151.101.1.69") == "151.101.1.69"  # the proxy's own entry, not forged ones
    assert pick_address(None, "151.101.1.69") == "151.101.1.69"
    assert pick_address("127.0.0.1", None) == "127.0.0.1" and pick_address(None, None) is None
