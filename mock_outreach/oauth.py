"""Outreach's OAuth endpoints: the consent page and the token endpoint, served by authlib."""

from __future__ import annotations

from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.integrations.flask_oauth2.requests import FlaskOAuth2Payload, FlaskOAuth2Request
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import OAuth2Request, UnsupportedResponseTypeError
from flask import Blueprint, Flask, Response, current_app, g, render_template, request
from werkzeug.datastructures import MultiDict

from .errors import NotFound
from .oauth_grants import (
    CODES_TABLE,
    MINTS_TABLE,
    Client,
    CodeGrant,
    MintThrottled,
    RefreshGrant,
    TokenBody,
    User,
)
from .tenancy import find_app, find_user, list_users

oauth = Blueprint("oauth", __name__, url_prefix="/oauth")

# Doorkeeper's wording (Outreach runs Doorkeeper; reference §1.3 quotes the invalid_grant text).
DESCRIPTIONS = {
    "invalid_grant": "The provided authorization grant is invalid, expired, revoked, does not "
                     "match the redirection URI used in the authorization request, or was issued "
                     "to another client.",
    "invalid_client": "Client authentication failed due to unknown client, no client "
                      "authentication included, or unsupported authentication method.",
    "invalid_request": "The request is missing a required parameter, includes an unsupported "
                       "parameter value, or is otherwise malformed.",
    "invalid_scope": "The requested scope is invalid, unknown, or malformed.",
    "access_denied": "The resource owner or authorization server denied the request.",
    "unsupported_grant_type": "The authorization grant type is not supported by the "
                              "authorization server.",
    "unsupported_response_type": "The authorization server does not support this response "
                                 "type.",
    "unauthorized_client": "The client is not authorized to perform this request using this "
                           "method.",
}
STATUS = {"invalid_client": 401}  # Doorkeeper answers 401 where RFC 6749 allows 400 or 401


def mock() -> Any:
    return current_app.extensions["mock_outreach"]


class Payload(FlaskOAuth2Payload):
    """Query, form and JSON body parameters together (Outreach accepts JSON token bodies)."""

    def __init__(self, flask_request: Any):
        super().__init__(flask_request)
        values = MultiDict(flask_request.values)
        if flask_request.is_json:
            body = flask_request.get_json(silent=True)
            for key, value in (body.items() if isinstance(body, dict) else ()):
                if isinstance(value, str | int | float) and not isinstance(value, bool):
                    values.add(key, str(value))
        self._values = values

    @property
    def data(self) -> MultiDict:
        return self._values


class MockRequest(FlaskOAuth2Request):
    """authlib's Flask request, minus its https-only check: the mock serves plain HTTP."""

    def __init__(self, flask_request: Any):
        OAuth2Request.__init__(self, flask_request.method, "https://mock.invalid/",
                               headers=flask_request.headers)
        self.uri = flask_request.url
        self._request = flask_request
        self.payload = Payload(flask_request)

    @property
    def form(self) -> MultiDict:
        return self.payload.data


class MockAuthorizationServer(AuthorizationServer):
    """authlib's Flask server over the mock's store; errors carry Outreach's wording."""

    def __init__(self) -> None:
        super().__init__(query_client=query_client, save_token=save_token)
        self.register_token_generator("default", generate_token)
        self.register_grant(CodeGrant)
        self.register_grant(RefreshGrant)

    @staticmethod
    def state() -> Any:
        return mock()

    def create_oauth2_request(self, request: Any) -> MockRequest:
        return MockRequest(request or _flask_request())

    def handle_error_response(self, request: Any, error: OAuth2Error) -> Response:
        error.description = DESCRIPTIONS.get(error.error, error.description)
        error.status_code = STATUS.get(error.error, error.status_code)
        return super().handle_error_response(request, error)


def _flask_request() -> Any:
    return request._get_current_object()  # type: ignore[attr-defined]


def query_client(client_id: str) -> Client | None:
    state = mock()
    try:
        app = find_app(state.store, client_id, with_secret=True)
    except NotFound:
        return None
    return Client(app, app["client_secret"], {t.collection for t in state.registry})


def save_token(token: dict[str, Any], oauth_request: Any) -> None:
    """Tokens.mint stored the pair already; note the owner for the journal."""
    g.oauth_user_id = oauth_request.user.id


def generate_token(grant_type: str, client: Client, user: User | None = None,
                   scope: str | None = None, expires_in: int | None = None,
                   include_refresh_token: bool = True) -> TokenBody:
    """The same body `/__mock__/tokens` answers: a JWT access token and a refresh token."""
    assert user is not None
    scopes = (scope or "").split() or list(client.app["scopes"])
    return TokenBody(mock().tokens.mint(user.id, user.org_id, client.app["id"], scopes,
                                        client.get_client_id()))


def server() -> MockAuthorizationServer:
    return mock().extras["oauth_server"]


@oauth.get("/authorize")
def authorize_page() -> Response | str:
    try:
        grant = server().get_consent_grant(end_user=None)
    except OAuth2Error as error:
        return authorize_error(error)
    return consent_page(grant)


@oauth.post("/authorize")
def authorize_decision() -> Response | str:
    try:
        grant = server().get_consent_grant(end_user=None)
    except OAuth2Error as error:
        return authorize_error(error)
    if request.form.get("decision") != "allow":
        return server().create_authorization_response(grant=grant, grant_user=None)
    email = (request.form.get("email") or "").strip().lower()
    try:
        user = find_user(mock().store, email=email)
    except NotFound:
        return consent_page(grant, f"No user has the email '{email}'.", 400)
    g.oauth_user_id = user["id"]
    return server().create_authorization_response(
        grant=grant, grant_user=User(user["id"], user["org_id"]))


def consent_page(grant: Any, problem: str | None = None, status: int = 200) -> Response:
    client: Client = grant.request.client
    html = render_template("oauth_authorize.html", app_name=client.app["name"],
                           client_id=client.get_client_id(), scopes=grant.request.scope.split(),
                           users=list_users(mock().store), action=request.full_path,
                           problem=problem, email=request.form.get("email", ""))
    return Response(html, status=status, mimetype="text/html")


def authorize_error(error: OAuth2Error) -> Response:
    """Redirect errors back to a validated redirect URI; otherwise render an error page."""
    if error.redirect_uri and not isinstance(error, UnsupportedResponseTypeError):
        return server().handle_error_response(None, error)
    description = DESCRIPTIONS.get(error.error, error.description)
    if error.error == "invalid_request" and "redirect" in (error.description or "").lower():
        description = "The requested redirect uri is malformed or doesn't match client " \
                      "redirect URI."
    html = render_template("oauth_error.html", error=error.error, description=description,
                           detail=error.description)
    return Response(html, status=400, mimetype="text/html")


@oauth.post("/token")
def token() -> Response:
    try:
        return server().create_token_response()
    except MintThrottled as throttled:
        # Outreach's token endpoint answers its throttle in plain text.
        return Response("Retry later\n", status=429, mimetype="text/plain",
                        headers={"Retry-After": str(throttled.retry_after)})


def init_app(app: Flask) -> None:
    """Create the OAuth tables, the authlib server and the routes."""
    state = app.extensions["mock_outreach"]
    state.store.execute(CODES_TABLE)
    state.store.execute(MINTS_TABLE)
    state.extras["oauth_server"] = MockAuthorizationServer()
    app.register_blueprint(oauth)
