"""Error responses map to one exception class per status, with Outreach's details kept."""

import httpx
import pytest
from outreach_client import errors as E


def _response(status, body=None, text=None, headers=None):
    request = httpx.Request("GET", "https://api.outreach.io/api/v2/prospects/1")
    if body is not None:
        return httpx.Response(status, json=body, headers=headers, request=request)
    return httpx.Response(status, text=text or "", headers=headers, request=request)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, E.BadRequestError),
        (401, E.AuthenticationError),
        (403, E.PermissionDeniedError),
        (404, E.NotFoundError),
        (415, E.UnsupportedMediaTypeError),
        (422, E.ValidationError),
        (429, E.RateLimitError),
        (500, E.ServerError),
        (503, E.ServerError),
        (409, E.APIError),
    ],
)
def test_each_status_maps_to_its_class(status, cls):
    error = E.error_for(_response(status, {"errors": [{"id": "x", "title": "T"}]}))
    assert type(error) is cls
    assert isinstance(error, E.APIError)
    assert error.status_code == status


def test_jsonapi_error_document_keeps_id_detail_and_pointer():
    body = {
        "errors": [
            {
                "id": "validationError",
                "title": "Validation Error",
                "detail": "Direction must be inbound or outbound.",
                "source": {"pointer": "/data/attributes/direction"},
            }
        ]
    }
    error = E.error_for(_response(422, body))
    assert error.error_id == "validationError"
    assert error.errors[0].pointer == "/data/attributes/direction"
    assert "Direction must be" in str(error)


def test_plural_details_key_of_415_is_read():
    body = {"errors": [{"id": "unsupportedMediaType", "details": "Expected Content-Type"}]}
    assert E.error_for(_response(415, body)).errors[0].detail == "Expected Content-Type"


def test_flat_jwt_401_body_is_read():
    body = {"error": "Invalid JWT token.", "description": "The JWT token could not be decoded."}
    error = E.error_for(_response(401, body))
    assert isinstance(error, E.AuthenticationError)
    assert error.errors[0].detail == "The JWT token could not be decoded."


def test_plain_text_body_becomes_detail():
    error = E.error_for(_response(429, text="Retry later\n"))
    assert isinstance(error, E.RateLimitError)
    assert error.errors[0].detail == "Retry later"
    assert error.retry_after is None


def test_retry_after_seconds_wins_over_reset():
    response = _response(429, {}, headers={"Retry-After": "7", "X-RateLimit-Reset": "2000"})
    assert E.retry_after_seconds(response, now=1000.0) == 7.0


def test_ratelimit_reset_epoch_is_counted_from_now():
    response = _response(429, {}, headers={"X-RateLimit-Reset": "1030"})
    assert E.retry_after_seconds(response, now=1000.0) == 30.0


def test_iso_retry_after_is_counted_from_now():
    response = _response(503, {}, headers={"Retry-After": "1970-01-01T00:16:50Z"})
    assert E.retry_after_seconds(response, now=1000.0) == 10.0


def test_connection_and_timeout_errors_are_outreach_errors():
    assert issubclass(E.APITimeoutError, E.APIConnectionError)
    assert issubclass(E.ReconnectRequired, E.OutreachError)
    assert not issubclass(E.ReconnectRequired, E.APIError)
