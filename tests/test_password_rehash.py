"""Older password hashes are still accepted and replaced by Argon2id at the next login
(issue 21: Argon2id with OWASP's setting costs about a quarter of the CPU of the scrypt
it replaces, so a burst of logins at a deadline lets four times more people in)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from app import passwords
from app.extensions import db
from app.models import AuditEntry, User
from app.services.people import accounts
from tests.conftest import PASSWORD, login


def _stored_hash(user_id: int) -> str:
    db.session.expire_all()
    return db.session.get(User, user_id).password_hash


def _set_hash(user: User, value: str) -> None:
    user.password_hash = value
    db.session.commit()


@pytest.mark.parametrize(
    "old",
    [
        generate_password_hash(PASSWORD, method="scrypt:1024:8:1"),
        generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"),
        passwords.hash_password(PASSWORD, "argon2id:1:8:1"),  # Argon2id, another setting
    ],
    ids=["scrypt", "pbkdf2", "argon2id-other-setting"],
)
def test_an_older_hash_logs_in_and_is_replaced(client, users, old):
    admin = users["admin"]
    _set_hash(admin, old)
    response = login(client, admin.email)
    assert response.status_code == 302
    new = _stored_hash(admin.id)
    assert new != old
    assert new.startswith("$argon2id$v=19$m=64,t=1,p=1$")  # the configured (test) setting
    assert passwords.verify_password(new, PASSWORD)
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.event == "login.success").order_by(AuditEntry.id.desc())
    ).first()
    assert entry.details.get("password_rehashed") is True
    client.post("/logout", data={"csrf_token": client.csrf_token("/")})
    assert login(client, admin.email).status_code == 302  # the new hash works
    assert _stored_hash(admin.id) == new  # and is not replaced again


def test_a_wrong_password_leaves_an_older_hash_alone(client, users):
    admin = users["admin"]
    old = generate_password_hash(PASSWORD, method="scrypt:1024:8:1")
    _set_hash(admin, old)
    response = login(client, admin.email, password="not the password")
    assert response.status_code == 200
    assert _stored_hash(admin.id) == old


def test_a_password_changed_meanwhile_is_not_overwritten(app, users):
    admin = users["admin"]
    old = generate_password_hash(PASSWORD, method="scrypt:1024:8:1")
    _set_hash(admin, old)
    result = accounts.authenticate(db.session, admin.email, PASSWORD)
    assert result.user is not None and result.new_hash is not None
    db.session.rollback()
    admin = db.session.get(User, admin.id)
    admin.set_password("a brand new password")  # another request changed it meanwhile
    db.session.commit()
    changed = _stored_hash(admin.id)
    assert accounts.upgrade_password_hash(db.session, result) is False
    db.session.commit()
    assert _stored_hash(admin.id) == changed


@pytest.mark.parametrize(
    "damaged", ["$argon2id$v=19$m=64,t=1,p=1$garbage", "$argon2id$", "$argon2i$nonsense", "x"]
)
def test_a_damaged_hash_is_a_refused_login_not_an_error(client, users, damaged):
    admin = users["admin"]
    _set_hash(admin, damaged)
    response = login(client, admin.email)
    assert response.status_code == 200  # the login page again, with the generic message
    assert _stored_hash(admin.id) == damaged


def test_needs_rehash_only_moves_towards_the_configured_argon2():
    argon = passwords.hash_password(PASSWORD, "argon2id:1:64:1")
    assert not passwords.needs_rehash(argon, "argon2id:1:64:1")
    assert passwords.needs_rehash(argon, "argon2id")
    assert passwords.needs_rehash("scrypt:1024:8:1$salt$abc", "argon2id")
    assert not passwords.needs_rehash("scrypt:1024:8:1$salt$abc", "scrypt")  # Werkzeug method
    with pytest.raises(ValueError):
        passwords.hash_password(PASSWORD, "argon2id:1:64")
