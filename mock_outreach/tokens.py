"""Access and refresh tokens: minting, bearer authentication, expiry and revocation."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

import jwt

from .errors import Unauthorized
from .settings import Settings
from .store import Store

TOKENS_TABLE = """
CREATE TABLE IF NOT EXISTS tokens (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,               -- access | refresh
    digest TEXT UNIQUE NOT NULL,      -- sha256 of the token; the token itself is never stored
    prefix TEXT NOT NULL,             -- first characters, for listings
    user_id INTEGER NOT NULL,
    org_id INTEGER NOT NULL,
    app_id INTEGER,
    scopes TEXT NOT NULL,             -- JSON list
    issued_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    revoked_at REAL,
    pair_id INTEGER                   -- the refresh token minted with this access token
)"""


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Grant:
    """What an authenticated bearer token allows: whose data, which app, which scopes."""

    token_id: int
    user_id: int
    org_id: int
    app_id: int | None
    scopes: frozenset[str]
    expires_at: float


class Tokens:
    """Mints and checks tokens against the store and the clock."""

    def __init__(self, store: Store, settings: Settings):
        self.store = store
        self.settings = settings
        store.execute(TOKENS_TABLE)
        store.execute("CREATE INDEX IF NOT EXISTS tokens__user ON tokens (user_id, app_id, kind)")
        self.signing_key = self.load_signing_key()
        self._verified: set[tuple[str, str]] = set()  # (key, token) whose signature checked out

    def load_signing_key(self) -> str:
        key = self.store.kv_get("jwt_signing_key")
        if key is None:
            key = secrets.token_hex(32)
            self.store.kv_set("jwt_signing_key", key)
        return key

    def mint(self, user_id: int, org_id: int, app_id: int | None,
             scopes: list[str], client_id: str | None = None) -> dict[str, Any]:
        """A new access + refresh pair; the body is the one `/oauth/token` answers."""
        now = self.store.clock.now()
        access = jwt.encode({"sub": str(user_id), "org": org_id, "aud": client_id or "mock",
                             "iat": int(now), "exp": int(now) + self.settings.access_token_ttl_s,
                             "jti": secrets.token_hex(16), "scope": " ".join(scopes)},
                            self.signing_key, algorithm="HS256")
        refresh = secrets.token_urlsafe(32)
        with self.store.transaction():
            refresh_id = self._insert("refresh", refresh, user_id, org_id, app_id, scopes, now,
                                      now + self.settings.refresh_token_ttl_s, None)
            self._insert("access", access, user_id, org_id, app_id, scopes, now,
                         now + self.settings.access_token_ttl_s, refresh_id)
        return {"access_token": access, "token_type": "bearer",
                "expires_in": self.settings.access_token_ttl_s, "refresh_token": refresh,
                "scope": " ".join(scopes), "created_at": int(now)}

    def _insert(self, kind: str, token: str, user_id: int, org_id: int, app_id: int | None,
                scopes: list[str], issued: float, expires: float, pair_id: int | None) -> int:
        cur = self.store.execute(
            "INSERT INTO tokens (kind, digest, prefix, user_id, org_id, app_id, scopes, "
            "issued_at, expires_at, pair_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (kind, digest(token), token[:8], user_id, org_id, app_id, json.dumps(scopes),
             issued, expires, pair_id))
        return int(cur.lastrowid or 0)

    def authenticate(self, header: str | None) -> Grant:
        """The grant behind an `Authorization: Bearer` header, or 401."""
        if not header or not header.startswith("Bearer "):
            raise Unauthorized("No bearer token was provided.")
        token = header[len("Bearer "):].strip()
        self._verify_signature(token)
        rows = self.store.query(
            "SELECT id, user_id, org_id, app_id, scopes, expires_at, revoked_at FROM tokens "
            "WHERE digest = ? AND kind = 'access'", (digest(token),))
        if not rows:
            raise Unauthorized("The JWT token is not recognised.")
        token_id, user_id, org_id, app_id, scopes, expires_at, revoked_at = rows[0]
        if revoked_at is not None:
            raise Unauthorized("The JWT token has been revoked.")
        if expires_at <= self.store.clock.now():
            raise Unauthorized("The JWT token has expired.")
        return Grant(token_id, user_id, org_id, app_id, frozenset(json.loads(scopes)),
                     expires_at)

    def _verify_signature(self, token: str) -> None:
        """Check the JWT's signature once per token and key (a pure function of both)."""
        if (self.signing_key, token) in self._verified:
            return
        try:
            # Times are checked against the mock clock by the caller, not PyJWT's wall clock.
            jwt.decode(token, self.signing_key, algorithms=["HS256"],
                       options={"verify_exp": False, "verify_aud": False,
                                "verify_iat": False, "verify_nbf": False})
        except jwt.PyJWTError as exc:
            raise Unauthorized("The JWT token could not be decoded.") from exc
        if len(self._verified) >= 10_000:
            self._verified.clear()
        self._verified.add((self.signing_key, token))

    def listing(self) -> list[dict[str, Any]]:
        rows = self.store.query(
            "SELECT t.id, t.kind, t.prefix, t.user_id, t.org_id, a.client_id, t.scopes, "
            "t.issued_at, t.expires_at, t.revoked_at FROM tokens t "
            "LEFT JOIN apps a ON a.id = t.app_id ORDER BY t.id")
        now = self.store.clock.now()
        return [{"id": r[0], "kind": r[1], "prefix": r[2] + "…", "user_id": r[3],
                 "org_id": r[4], "client_id": r[5], "scopes": json.loads(r[6]),
                 "issued_at": r[7], "expires_at": r[8],
                 "state": "revoked" if r[9] else "expired" if r[8] <= now else "active"}
                for r in rows]

    def refresh_grant(self, token: str) -> dict[str, Any] | None:
        """The live refresh token behind `token`: not revoked, not expired, not superseded."""
        rows = self.store.query(
            "SELECT id, user_id, org_id, app_id, scopes, expires_at, revoked_at FROM tokens "
            "WHERE digest = ? AND kind = 'refresh'", (digest(token),))
        if not rows:
            return None
        token_id, user_id, org_id, app_id, scopes, expires_at, revoked_at = rows[0]
        if revoked_at is not None or expires_at <= self.store.clock.now():
            return None
        # Outreach keeps older refresh tokens alive until `refresh_tokens_kept` newer exist.
        newer = self.store.query(
            "SELECT count(*) FROM tokens WHERE kind = 'refresh' AND user_id = ? "
            "AND app_id IS ? AND id > ?", (user_id, app_id, token_id))[0][0]
        if newer >= self.settings.refresh_tokens_kept:
            return None
        return {"id": token_id, "user_id": user_id, "org_id": org_id, "app_id": app_id,
                "scopes": json.loads(scopes)}

    def expire(self, access_token: str | None = None, user_id: int | None = None,
               token_id: int | None = None) -> int:
        """Make access tokens expire now (by token, by listing id or for every token of a user)."""
        where, params = self._selector(access_token, None, user_id, token_id)
        now = self.store.clock.now()
        cur = self.store.execute(
            f"UPDATE tokens SET expires_at = ? WHERE kind = 'access' AND expires_at > ? "
            f"AND ({where})", (now, now, *params))
        return cur.rowcount

    def revoke(self, access_token: str | None = None, refresh_token: str | None = None,
               user_id: int | None = None, token_id: int | None = None) -> int:
        """Revoke tokens and their pairs (an access token's refresh token and vice versa)."""
        where, params = self._selector(access_token, refresh_token, user_id, token_id)
        with self.store.transaction() as conn:
            ids = [r[0] for r in conn.execute(
                f"SELECT id FROM tokens WHERE {where}", params)]
            ids += [r[0] for r in conn.execute(
                f"SELECT pair_id FROM tokens WHERE pair_id IS NOT NULL AND ({where})", params)]
            if not ids:
                return 0
            marks = ", ".join("?" for _ in ids)
            cur = conn.execute(
                f"UPDATE tokens SET revoked_at = ? WHERE revoked_at IS NULL "
                f"AND (id IN ({marks}) OR pair_id IN ({marks}))",
                (self.store.clock.now(), *ids, *ids))
            return cur.rowcount

    @staticmethod
    def _selector(access_token: str | None, refresh_token: str | None, user_id: int | None,
                  token_id: int | None = None) -> tuple[str, tuple[Any, ...]]:
        if token_id is not None:  # the `id` of GET /__mock__/tokens (the dashboard's buttons)
            return "id = ?", (token_id,)
        if access_token is not None:
            return "digest = ? AND kind = 'access'", (digest(access_token),)
        if refresh_token is not None:
            return "digest = ? AND kind = 'refresh'", (digest(refresh_token),)
        return "user_id = ?", (user_id,)
