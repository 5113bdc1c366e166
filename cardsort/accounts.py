"""Named researcher accounts, their roles, sign-in with rate limiting, and invitations (no Streamlit).

An account is an email address (kept lower-cased, unique), a name, a role and an scrypt password hash
(``cardsort.auth``'s format; none until an invited person sets one). Roles, from most to least:
``admin`` (everything, and the Accounts page), ``researcher`` (reads and changes studies and audits)
and ``viewer`` (reads results, changes nothing); :func:`can` says which role may do which action.
An account is never deleted, only disabled, so what it did stays attributable; the last active admin
can be neither demoted nor disabled.

Failed sign-ins are counted in the database (so every replica sees them) per account and per client
address: :func:`sign_in` refuses, before looking at the password, once an email address had
``ACCOUNT_LIMIT`` failures or an address ``ADDRESS_LIMIT`` failures in the last ``WINDOW``, and says when
to try again; the same for an email that has no account, so the answer never tells whether one exists.
The table keeps digests of the email and address, not what was typed.

These tables have their own metadata (listed in ``cardsort/migrations/models.py``; the migrations make
them), so the card-sort store's per-study tables stay separate.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from . import auth, migrate
from .model import utcnow

ROLES = ("admin", "researcher", "viewer")
ACTIONS: dict[str, frozenset[str]] = {
    "read": frozenset(ROLES),
    "edit": frozenset({"admin", "researcher"}),
    "admin": frozenset({"admin"}),
}
ACCOUNT_LIMIT = 5  # failed sign-ins per email address in WINDOW
ADDRESS_LIMIT = 20  # failed sign-ins per client address in WINDOW
WINDOW = timedelta(minutes=15)
MIN_PASSWORD = 8
INVITE_DAYS = 7
DEMO_EMAIL = "admin@localhost"  # the first admin `make run` makes on your own machine
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_INVITE_CONTEXT = b"cardsort account invite v1"
# A hash nobody's password matches: an unknown email costs one scrypt, like a known one.
_NOBODY = auth.hash_password("no account has this password", salt=b"cardsort nobody.")

metadata = sa.MetaData()
accounts = sa.Table(
    "accounts", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("email", sa.String(254), nullable=False, unique=True),
    sa.Column("name", sa.Text, nullable=False, default=""),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("password_hash", sa.Text),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("disabled_at", sa.DateTime(timezone=True)),
)
signin_failures = sa.Table(
    "signin_failures", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(10), nullable=False),  # "account" or "address"
    sa.Column("subject", sa.String(64), nullable=False),  # SHA-256 of the email or the address, hex
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("signin_failures_by_subject", "kind", "subject", "at"),
)

def ensure_tables(engine: Engine) -> Engine:
    """Make sure ``engine``'s database is at the newest schema revision (once per engine); return it."""
    return migrate.ensure(engine)


@dataclass(frozen=True)
class Account:
    """A signed-in person as the app sees them."""

    id: int
    email: str
    name: str
    role: str

    def can(self, action: str) -> bool:
        return can(self.role, action)

    @property
    def label(self) -> str:
        """``Ada Lovelace (ada@example.org)``, or the email alone."""
        return f"{self.name} ({self.email})" if self.name else self.email


class TooManyAttempts(Exception):
    """Sign-in refused for now: too many failed attempts."""

    def __init__(self, minutes: int):
        self.minutes = minutes
        super().__init__(f"Too many sign-in attempts. Try again in {minutes} minute{'s' if minutes != 1 else ''}.")


def can(role: str, action: str) -> bool:
    """Whether ``role`` may do ``action``: "read" (every role), "edit" (admin, researcher), "admin" (admin)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; actions are {', '.join(ACTIONS)}")
    return role in ACTIONS[action]


def normalise_email(email: str) -> str:
    """The email lower-cased and stripped; ``ValueError`` if it is not an email address."""
    text = str(email).strip().lower()
    if len(text) > 254 or not _EMAIL.fullmatch(text):
        raise ValueError(f"{str(email)[:80]!r} is not an email address (name@domain)")
    return text


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
    return role


def check_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD:
        raise ValueError(f"the password must have at least {MIN_PASSWORD} characters")
    return password


def _utc(t: datetime | None) -> datetime | None:
    return None if t is None else (t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC))


def _account(row) -> Account:
    return Account(id=row.id, email=row.email, name=row.name, role=row.role)


def _active(conn, account_id: int):
    return conn.execute(sa.select(accounts).where(accounts.c.id == account_id,
                                                  accounts.c.disabled_at.is_(None))).first()


def create(engine: Engine, email: str, role: str, name: str = "", password: str | None = None) -> Account:
    """A new account; without ``password`` it is an invitation (see :func:`invite_token`).

    ``ValueError`` for a bad email, an unknown role, a short password, or an email that has an account.
    """
    email, role = normalise_email(email), check_role(role)
    hashed = auth.hash_password(check_password(password)) if password is not None else None
    ensure_tables(engine)
    try:
        with engine.begin() as conn:
            new_id = conn.execute(accounts.insert().values(
                email=email, name=str(name).strip(), role=role, password_hash=hashed, created_at=utcnow(),
            )).inserted_primary_key[0]  # type: ignore[index]
    except sa.exc.IntegrityError:
        raise ValueError(f"an account for {email} exists already") from None
    return Account(id=int(new_id), email=email, name=str(name).strip(), role=role)


invite = create  # an account without a password is an invitation


def find_by_email(engine: Engine, email: str) -> Account | None:
    """The active account of ``email`` (any case), or ``None`` (no such account, disabled, or not an email)."""
    try:
        email = normalise_email(email)
    except ValueError:
        return None
    with ensure_tables(engine).connect() as conn:
        row = conn.execute(sa.select(accounts).where(accounts.c.email == email,
                                                     accounts.c.disabled_at.is_(None))).first()
    return None if row is None else _account(row)


def get(engine: Engine, account_id: int) -> Account | None:
    """The active account with this id, or ``None``."""
    with ensure_tables(engine).connect() as conn:
        row = _active(conn, account_id)
    return None if row is None else _account(row)


def session_binding(engine: Engine, account_id: int) -> tuple[Account, str] | None:
    """The active account and what its sessions are bound to (its password hash, "" without one), or ``None``."""
    with ensure_tables(engine).connect() as conn:
        row = _active(conn, account_id)
    return None if row is None else (_account(row), row.password_hash or "")


def list_accounts(engine: Engine) -> list[dict]:
    """Every account, disabled ones too, by email: id, email, name, role, has_password, created_at, disabled_at."""
    with ensure_tables(engine).connect() as conn:
        rows = conn.execute(sa.select(accounts).order_by(accounts.c.email)).all()
    return [{"id": r.id, "email": r.email, "name": r.name, "role": r.role, "has_password": r.password_hash is not None,
             "created_at": _utc(r.created_at), "disabled_at": _utc(r.disabled_at)} for r in rows]


def has_admin(engine: Engine) -> bool:
    """Whether an active admin account exists."""
    with ensure_tables(engine).connect() as conn:
        return conn.execute(sa.select(accounts.c.id).where(
            accounts.c.role == "admin", accounts.c.disabled_at.is_(None)).limit(1)).first() is not None


def _must_exist(conn, account_id: int):
    row = conn.execute(sa.select(accounts).where(accounts.c.id == account_id)).first()
    if row is None:
        raise ValueError(f"no account with id {account_id}")
    if row.disabled_at is not None:
        raise ValueError(f"the account {row.email} is disabled")
    return row


def _keep_an_admin(conn, row, what: str) -> None:
    if row.role != "admin":
        return
    others = conn.execute(sa.select(sa.func.count()).select_from(accounts).where(
        accounts.c.role == "admin", accounts.c.disabled_at.is_(None), accounts.c.id != row.id)).scalar_one()
    if not others:
        raise ValueError(f"{row.email} is the last admin and cannot be {what}; make another account admin first")


def set_role(engine: Engine, account_id: int, role: str) -> Account:
    """Change an active account's role; the last admin cannot be demoted."""
    check_role(role)
    with ensure_tables(engine).begin() as conn:
        row = _must_exist(conn, account_id)
        if role != "admin":
            _keep_an_admin(conn, row, f"made {role}")
        conn.execute(accounts.update().where(accounts.c.id == account_id).values(role=role))
    return Account(id=row.id, email=row.email, name=row.name, role=role)


def set_password(engine: Engine, account_id: int, password: str) -> None:
    """Set an active account's password; its sessions everywhere end (they are bound to the old hash)."""
    hashed = auth.hash_password(check_password(password))
    with ensure_tables(engine).begin() as conn:
        _must_exist(conn, account_id)
        conn.execute(accounts.update().where(accounts.c.id == account_id).values(password_hash=hashed))


def disable(engine: Engine, account_id: int) -> None:
    """Disable an account: it can no longer sign in and its sessions end. The last admin cannot be disabled."""
    with ensure_tables(engine).begin() as conn:
        row = _must_exist(conn, account_id)
        _keep_an_admin(conn, row, "disabled")
        conn.execute(accounts.update().where(accounts.c.id == account_id).values(disabled_at=utcnow()))


# --- sign-in with rate limiting ----------------------------------------------------------------

def _subject(kind: str, value: str) -> str:
    return hashlib.sha256(f"cardsort sign-in {kind}\0{value}".encode()).hexdigest()


def _retry_minutes(conn, kind: str, subject: str, limit: int, now: datetime) -> int | None:
    """Minutes until ``subject`` may try again, or ``None`` if it has had fewer than ``limit`` failures."""
    times: list[datetime] = [t if t.tzinfo else t.replace(tzinfo=UTC) for t in conn.execute(
        sa.select(signin_failures.c.at).where(signin_failures.c.kind == kind, signin_failures.c.subject == subject,
                                              signin_failures.c.at > now - WINDOW).order_by(signin_failures.c.at)
    ).scalars()]
    if len(times) < limit:
        return None
    free_at = times[len(times) - limit] + WINDOW  # when the failure that tipped the count leaves the window
    return max(1, math.ceil((free_at - now).total_seconds() / 60))


def sign_in(engine: Engine, email: str, password: str, address: str | None, *,
            now: datetime | None = None, fallback: tuple[Account, str] | None = None) -> Account | None:
    """The account these credentials sign in to, or ``None``; raises :class:`TooManyAttempts` (before the password
    is checked) when the email or the address had too many failures in :data:`WINDOW`.

    ``fallback`` is a (built-in account, password hash) tried when ``email`` is its email (the bootstrap admin).
    Every typed password costs one scrypt, whether the account exists or not. A failure is counted for the email
    and the address; a success clears the email's failures.
    """
    now = now or utcnow()
    typed = str(email).strip().lower()[:320]
    keys = [("account", _subject("account", typed), ACCOUNT_LIMIT)]
    if address:
        keys.append(("address", _subject("address", address), ADDRESS_LIMIT))
    with ensure_tables(engine).connect() as conn:
        waits = [m for kind, subject, limit in keys if (m := _retry_minutes(conn, kind, subject, limit, now))]
        row = conn.execute(sa.select(accounts).where(accounts.c.email == typed,
                                                     accounts.c.disabled_at.is_(None))).first()
    if waits:
        raise TooManyAttempts(max(waits))
    account, stored = (None, None)
    if row is not None and row.password_hash:
        account, stored = _account(row), row.password_hash
    elif fallback is not None and typed == fallback[0].email:
        account, stored = fallback
    good = auth.verify_password(password or "", stored or _NOBODY) and account is not None
    with engine.begin() as conn:
        if good:
            conn.execute(signin_failures.delete().where(signin_failures.c.kind == "account",
                                                        signin_failures.c.subject == keys[0][1]))
        else:
            conn.execute(signin_failures.insert(), [{"kind": k, "subject": s, "at": now} for k, s, _ in keys])
        conn.execute(signin_failures.delete().where(signin_failures.c.at <= now - WINDOW))
    return account if good else None


# --- invitations -------------------------------------------------------------------------------

def _invite_signature(secret: str, payload: str, email: str) -> str:
    mac = hmac.new(secret.encode(), _INVITE_CONTEXT + b"\0" + payload.encode() + b"\0" + email.encode(),
                   hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def invite_token(secret: str, account: Account, *, days: float = INVITE_DAYS, now: float | None = None) -> str:
    """A token for the invite link of ``account``: ``<expires>.<account id>.<signature>``, signed with the cookie
    secret. It works once: only while the account has no password (setting one ends it) and is active."""
    payload = f"{int((time.time() if now is None else now) + days * 86400)}.{account.id}"
    return f"{payload}.{_invite_signature(secret, payload, account.email)}"


def invited_account(engine: Engine, secret: str, token: str, *, now: float | None = None) -> Account | None:
    """The active account without a password this invite token is for, or ``None`` (bad, expired or used)."""
    parts = str(token or "").split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit() or len(token) > 200:
        return None
    if int(parts[0]) <= (time.time() if now is None else now):
        return None
    with ensure_tables(engine).connect() as conn:
        row = _active(conn, int(parts[1]))
    if row is None or row.password_hash is not None:
        return None
    good = _invite_signature(secret, f"{parts[0]}.{parts[1]}", row.email)
    return _account(row) if hmac.compare_digest(parts[2].encode(), good.encode()) else None


def accept_invite(engine: Engine, secret: str, token: str, password: str, *, now: float | None = None) -> Account:
    """Set the password of the invited account; ``ValueError`` if the link is not valid (any more) or the
    password is too short. One transaction: two tabs using one link set one password."""
    check_password(password)
    account = invited_account(engine, secret, token, now=now)
    if account is None:
        raise ValueError("this invite link is not valid: it expired, was used already, or the account was disabled")
    hashed = auth.hash_password(password)
    with engine.begin() as conn:
        done = conn.execute(accounts.update().where(accounts.c.id == account.id, accounts.c.password_hash.is_(None),
                                                    accounts.c.disabled_at.is_(None)).values(password_hash=hashed))
    if done.rowcount != 1:
        raise ValueError("this invite link was used already")
    return account


# --- the local demo of `make run` ---------------------------------------------------------------

def ensure_demo_admin(engine: Engine, password_file: Path) -> tuple[str, str] | None:
    """Make sure an admin account exists; return (email, password) to print for the demo admin, if any.

    With no active admin, the demo admin :data:`DEMO_EMAIL` is created with the password kept (mode 600) in
    ``password_file`` (the one an earlier ``make run`` generated, else a new one). With an admin already there,
    the demo admin's sign-in is returned again while it is an admin and that file holds its password; otherwise ``None``
    (a password someone chose is never printed).
    """
    kept = password_file.read_text(encoding="utf-8").strip() if password_file.is_file() else ""
    if has_admin(engine):
        with ensure_tables(engine).connect() as conn:
            row = conn.execute(sa.select(accounts).where(accounts.c.email == DEMO_EMAIL, accounts.c.role == "admin",
                                                         accounts.c.disabled_at.is_(None))).first()
        if kept and row is not None and row.password_hash and auth.verify_password(kept, row.password_hash):
            return DEMO_EMAIL, kept
        return None
    password = kept if len(kept) >= MIN_PASSWORD else secrets.token_urlsafe(12)
    existing = find_by_email(engine, DEMO_EMAIL)
    if existing is None:
        create(engine, DEMO_EMAIL, "admin", name="Demo admin", password=password)
    else:  # the demo account was demoted: it is the admin of this machine again
        set_role(engine, existing.id, "admin")
        set_password(engine, existing.id, password)
    password_file.parent.mkdir(parents=True, exist_ok=True)
    password_file.write_text(password + "\n", encoding="utf-8")
    password_file.chmod(0o600)
    return DEMO_EMAIL, password
