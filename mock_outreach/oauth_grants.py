"""authlib models and grants for the mock's OAuth server, over the store's apps, codes, tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from authlib.oauth2.rfc6749 import (
    AuthorizationCodeMixin,
    ClientMixin,
    InvalidGrantError,
    TokenMixin,
    grants,
)

CODES_TABLE = """
CREATE TABLE IF NOT EXISTS oauth_codes (
    digest TEXT PRIMARY KEY,          -- sha256 of the code; the code itself is never stored
    app_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    org_id INTEGER NOT NULL,
    redirect_uri TEXT NOT NULL,
    scope TEXT NOT NULL,
    expires_at REAL NOT NULL,
    used_at REAL                      -- codes are single use
)"""
MINTS_TABLE = """
CREATE TABLE IF NOT EXISTS oauth_mints (
    user_id INTEGER NOT NULL, app_id INTEGER NOT NULL, last_at REAL NOT NULL,
    PRIMARY KEY (user_id, app_id)
)"""
LEVELS = ("read", "write", "delete", "all")


class MintThrottled(Exception):
    """A second token for the same user and app inside `token_mint_interval_s`."""

    def __init__(self, retry_after: int):
        super().__init__("Retry later")
        self.retry_after = retry_after


class TokenBody(dict):
    """The token response; its repr hides the secrets (authlib logs tokens at DEBUG level)."""

    def __repr__(self) -> str:
        return "<token body redacted>"


@dataclass(frozen=True)
class User:
    """The resource owner: a rep of one org."""

    id: int
    org_id: int

    def get_user_id(self) -> int:
        return self.id


def code_digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


class Client(ClientMixin):
    """A registered app, as authlib sees it: credentials in the body, code flow only."""

    def __init__(self, app: dict[str, Any], secret: str, collections: set[str]):
        self.app = app
        self.secret = secret
        self.collections = collections

    def get_client_id(self) -> str:
        return self.app["client_id"]

    def get_default_redirect_uri(self) -> None:
        return None  # Outreach requires an explicit, registered redirect_uri

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """The requested scopes if all are known and granted to the app, else None."""
        if not scope:
            return " ".join(self.app["scopes"])
        requested = scope.split()
        return " ".join(requested) if all(map(self.permits, requested)) else None

    def permits(self, scope: str) -> bool:
        collection, _, level = scope.partition(".")
        if collection not in self.collections or level not in LEVELS:
            return False
        return scope in self.app["scopes"] or f"{collection}.all" in self.app["scopes"]

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.app["redirect_uris"]

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(self.secret.encode(), client_secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "client_secret_post"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in ("authorization_code", "refresh_token")


@dataclass(frozen=True)
class AuthorizationCode(AuthorizationCodeMixin):
    """A stored code, looked up by its digest."""

    digest: str
    app_id: int
    user: User
    redirect_uri: str
    scope: str

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


@dataclass(frozen=True)
class RefreshToken(TokenMixin):
    """A live refresh token (Tokens.refresh_grant already checked expiry and supersession)."""

    app_id: int | None
    user: User
    scope: str

    def check_client(self, client: Client) -> bool:
        return client.app["id"] == self.app_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return 0

    def is_expired(self) -> bool:
        return False

    def is_revoked(self) -> bool:
        return False


class ThrottledGrant:
    """Claims the per-user-and-app mint slot before any token is minted."""

    server: Any

    def claim_mint(self, user: User, app_id: int) -> None:
        state = self.server.state()
        interval = state.settings.token_mint_interval_s
        now = state.clock.now()
        cur = state.store.execute(
            "INSERT INTO oauth_mints (user_id, app_id, last_at) VALUES (?, ?, ?) "
            "ON CONFLICT (user_id, app_id) DO UPDATE SET last_at = excluded.last_at "
            "WHERE last_at <= excluded.last_at - ? OR last_at > excluded.last_at",
            (user.id, app_id, now, interval))
        if cur.rowcount == 0:
            last = state.store.query("SELECT last_at FROM oauth_mints WHERE user_id = ? "
                                     "AND app_id = ?", (user.id, app_id))[0][0]
            raise MintThrottled(max(1, int(last + interval - now + 0.999)))


class CodeGrant(ThrottledGrant, grants.AuthorizationCodeGrant):
    """`grant_type=authorization_code`, with 64-hex-char single-use codes like Outreach's."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_post"]

    def generate_authorization_code(self) -> str:
        return secrets.token_hex(32)

    def save_authorization_code(self, code: str, request: Any) -> None:
        state = self.server.state()
        state.store.execute(
            "INSERT INTO oauth_codes (digest, app_id, user_id, org_id, redirect_uri, scope, "
            "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (code_digest(code), request.client.app["id"], request.user.id,
             request.user.org_id, request.payload.redirect_uri, request.scope,
             state.clock.now() + state.settings.code_ttl_s))

    def query_authorization_code(self, code: str, client: Client) -> AuthorizationCode | None:
        state = self.server.state()
        rows = state.store.query(
            "SELECT app_id, user_id, org_id, redirect_uri, scope FROM oauth_codes "
            "WHERE digest = ? AND used_at IS NULL AND expires_at > ?",
            (code_digest(code), state.clock.now()))
        if not rows or rows[0][0] != client.app["id"]:
            return None
        app_id, user_id, org_id, redirect_uri, scope = rows[0]
        return AuthorizationCode(code_digest(code), app_id, User(user_id, org_id),
                                 redirect_uri, scope)

    def create_token_response(self) -> tuple[int, Any, Any]:
        code: AuthorizationCode = self.request.authorization_code
        self.claim_mint(code.user, code.app_id)
        state = self.server.state()
        used = state.store.execute(  # atomic: of two concurrent exchanges only one wins
            "UPDATE oauth_codes SET used_at = ? WHERE digest = ? AND used_at IS NULL",
            (state.clock.now(), code.digest))
        if used.rowcount == 0:
            raise InvalidGrantError()
        return super().create_token_response()

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        pass  # already marked used, atomically, before the token was minted

    def authenticate_user(self, authorization_code: AuthorizationCode) -> User:
        return authorization_code.user


class RefreshGrant(ThrottledGrant, grants.RefreshTokenGrant):
    """`grant_type=refresh_token`: a new pair every time; older refresh tokens stay valid."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_post"]
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshToken | None:
        found = self.server.state().tokens.refresh_grant(refresh_token)
        if found is None:
            return None
        return RefreshToken(found["app_id"], User(found["user_id"], found["org_id"]),
                            " ".join(found["scopes"]))

    def create_token_response(self) -> tuple[int, Any, Any]:
        token: RefreshToken = self.request.refresh_token
        self.claim_mint(token.user, token.app_id or 0)
        return super().create_token_response()

    def authenticate_user(self, refresh_token: RefreshToken) -> User:
        return refresh_token.user

    def revoke_old_credential(self, refresh_token: RefreshToken) -> None:
        pass  # Outreach: an older refresh token lives until 14 days or 100 newer tokens
