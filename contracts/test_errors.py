"""Error documents: 404, 400, 415, 422 (and 405) in Outreach's JSON:API error shape."""

from __future__ import annotations

import httpx
import pytest
from outreach_contracts.factories import WRITE_HEADERS, body
from outreach_contracts.support import assert_error, errors_of
from outreach_contracts.targets import MEDIA_TYPE, Target

pytestmark = pytest.mark.validated("mock", "url")
GINA = "gina.park@globex.example"


def test_unknown_id_is_404_resource_not_found(api: httpx.Client) -> None:
    error = assert_error(api.get("/prospects/999999999"), 404, "resourceNotFound")
    assert "999999999" in error["detail"]


def test_non_numeric_id_is_404(api: httpx.Client) -> None:
    assert_error(api.get("/prospects/abc"), 404)


def test_unknown_collection_is_404(api: httpx.Client) -> None:
    assert_error(api.get("/notACollection"), 404)


def test_malformed_filter_is_400_naming_the_parameter(api: httpx.Client) -> None:
    error = assert_error(api.get("/prospects", params={"filter[firstName": "x"}), 400)
    assert "source" in error


def test_filter_on_an_unknown_attribute_is_400(api: httpx.Client) -> None:
    error = assert_error(api.get("/prospects", params={"filter[notAField]": "x"}), 400)
    assert error["source"]["parameter"] == "filter[notAField]"


def test_non_numeric_page_size_is_400(api: httpx.Client) -> None:
    assert_error(api.get("/prospects", params={"page[size]": "lots"}), 400)


@pytest.mark.writes
def test_create_without_json_api_content_type_is_415(target: Target, api: httpx.Client) -> None:
    response = api.post("/accounts", json=body("account", {"name": "Nope"}),
                        headers={"Content-Type": "application/json"})
    error = errors_of(response, 415)[0]
    assert error["id"] == "unsupportedMediaType"
    assert MEDIA_TYPE in (error.get("details") or error.get("detail"))


@pytest.mark.writes
def test_update_without_json_api_content_type_is_415(target: Target, api: httpx.Client) -> None:
    account = api.get("/accounts", params={"page[size]": "1"}).json()["data"][0]
    response = api.patch(f"/accounts/{account['id']}", content=b"{}",
                         headers={"Content-Type": "text/plain"})
    assert errors_of(response, 415)[0]["id"] == "unsupportedMediaType"


@pytest.mark.writes
def test_read_only_attribute_in_a_write_is_400_not_permitted(target: Target,
                                                             api: httpx.Client) -> None:
    response = api.post("/prospects", json=body("prospect", {"name": "Read Only"}),
                        headers=WRITE_HEADERS)
    assert_error(response, 400, "permittedParams.unknownAttribute")


@pytest.mark.writes
def test_miscased_attribute_is_400_not_permitted(target: Target, api: httpx.Client) -> None:
    response = api.post("/prospects", json=body("prospect", {"linkedinUrl": "https://x.test"}),
                        headers=WRITE_HEADERS)
    assert_error(response, 400, "permittedParams.unknownAttribute")


@pytest.mark.writes
def test_include_on_a_write_is_400(target: Target, api: httpx.Client) -> None:
    response = api.post("/accounts", params={"include": "owner"},
                        json=body("account", {"name": "Nope"}), headers=WRITE_HEADERS)
    assert_error(response, 400)


@pytest.mark.writes
def test_body_that_is_not_json_is_400(target: Target, api: httpx.Client) -> None:
    response = api.post("/accounts", content=b"{not json", headers=WRITE_HEADERS)
    assert_error(response, 400)


@pytest.mark.writes
def test_wrong_type_in_the_body_is_refused_with_a_pointer(target: Target,
                                                         api: httpx.Client) -> None:
    response = api.post("/accounts", json=body("prospect", {"firstName": "Wrong"}),
                        headers=WRITE_HEADERS)
    assert response.status_code in (400, 409, 422)
    assert errors_of(response, response.status_code)[0]["source"]["pointer"].startswith("/data")


@pytest.mark.writes
def test_too_long_value_is_422_with_its_pointer(target: Target, api: httpx.Client) -> None:
    response = api.post("/prospects", json=body("prospect", {"title": "t" * 300}),
                        headers=WRITE_HEADERS)
    error = assert_error(response, 422, "validationError")
    assert error["source"]["pointer"] == "/data/attributes/title"


@pytest.mark.writes
def test_wrong_json_type_is_422_with_its_pointer(target: Target, api: httpx.Client) -> None:
    response = api.post("/prospects", json=body("prospect", {"firstName": ["a", "list"]}),
                        headers=WRITE_HEADERS)
    error = assert_error(response, 422)
    assert error["source"]["pointer"] == "/data/attributes/firstName"


@pytest.mark.mock_only("fidelity decision 5: the OpenAPI lists no PATCH on calls")
def test_patching_a_call_is_not_allowed(target: Target, api: httpx.Client) -> None:
    response = api.patch("/calls/1", json=body("call", {"note": "x"}, id=1),
                         headers=WRITE_HEADERS)
    assert_error(response, 405)


@pytest.mark.mock_only("needs a token of a second org")
def test_another_orgs_record_is_404_not_403(target: Target, api: httpx.Client) -> None:
    own = api.get("/prospects", params={"page[size]": "1"}).json()["data"][0]
    other = target.mint(GINA)["access_token"]
    with target.http(other) as http:
        assert_error(http.get(f"/prospects/{own['id']}"), 404, "resourceNotFound")
        listed = http.get("/prospects", params={"filter[id]": str(own["id"])})
    assert listed.json()["data"] == []
