"""Resource APIs against the real mock: CRUD, actions, includes, pagination, errors."""

import pytest
from outreach_client import (
    BadRequestError,
    NotFoundError,
    PermissionDeniedError,
    Prospect,
    Task,
    ValidationError,
)

AVA = "ava.reed@acme.example"


def test_client_has_one_attribute_per_resource_type(env):
    client = env.client()
    names = [
        "users", "calls", "accounts", "webhooks", "teams", "prospects", "mailboxes",
        "phone_numbers", "call_dispositions", "call_purposes", "events", "tasks", "mailings",
        "sequences", "sequence_templates", "sequence_steps", "sequence_states",
    ]
    for name in names:
        # Every collection is readable with the dialer's scopes.
        assert isinstance(list(getattr(client, name).list(page_size=1)), list), name


def test_get_resolves_included_relationships(env):
    client = env.client()
    task = next(iter(client.tasks.list(filter={"state": "incomplete"}, page_size=1)))
    full = client.tasks.get(task.id, include=["prospect", "account"])
    assert isinstance(full, Task)
    assert isinstance(full.prospect, Prospect)
    assert full.prospect.id == full.prospect_id
    assert full.prospect.name


def test_list_follows_next_links_across_pages(env):
    client = env.client()
    before = client.requests_sent
    small_pages = [p.id for p in client.prospects.list(page_size=2, sort="id")]
    pages_fetched = client.requests_sent - before
    one_page = [p.id for p in client.prospects.list(page_size=1000, sort="id")]
    assert small_pages == one_page
    assert len(one_page) > 4
    assert pages_fetched >= len(one_page) // 2


def test_nested_relationship_filter_is_understood(env):
    client = env.client()
    ava = env.user_id(AVA)
    tasks = list(client.tasks.list(filter={"owner": {"id": ava}}))
    assert tasks
    assert {task.owner_id for task in tasks} == {ava}


def test_create_update_delete_round_trip(env):
    client = env.client()
    created = client.prospects.create({"firstName": "Zed", "lastName": "Quinn"})
    assert created.name == "Zed Quinn"
    updated = client.prospects.update(created.id, {"title": "CTO"})
    assert (updated.title, updated.first_name) == ("CTO", "Zed")
    client.prospects.delete(created.id)
    with pytest.raises(NotFoundError) as caught:
        client.prospects.get(created.id)
    assert caught.value.error_id == "resourceNotFound"


def test_non_filterable_field_is_a_bad_request(env):
    client = env.client()
    with pytest.raises(BadRequestError):
        list(client.tasks.list(filter={"action": "call"}))


def test_invalid_value_is_a_validation_error_with_pointer(env):
    client = env.client()
    with pytest.raises(ValidationError) as caught:
        client.calls.create({"direction": "sideways"})
    assert caught.value.errors[0].pointer == "/data/attributes/direction"


def test_missing_scope_is_permission_denied(env):
    client = env.client(connect=False)
    client.auth.store.set(AVA, env.mint(AVA, scopes=["prospects.read"]))
    assert list(client.prospects.list(page_size=1))
    with pytest.raises(PermissionDeniedError) as caught:
        list(client.tasks.list(page_size=1))
    assert caught.value.error_id == "unauthorizedOauthScope"


def test_other_orgs_records_are_not_found(env):
    ava = env.client()
    prospect = next(iter(ava.prospects.list(page_size=1)))
    gina = env.client("gina.park@globex.example")
    with pytest.raises(NotFoundError):
        gina.prospects.get(prospect.id)


def test_new_filter_syntax_and_sparse_fields_reach_the_mock(env):
    client = env.client()
    ava = env.user_id(AVA)
    old = {t.id for t in client.tasks.list(filter={"owner": {"id": ava}, "state": "incomplete"})}
    new = client.tasks.list(
        filter={"owner": {"id": ava}, "state": ["incomplete"]}, new_filter_syntax=True
    )
    assert {t.id for t in new} == old
    prospect = next(iter(client.prospects.list(page_size=1, fields={"prospect": ["firstName"]})))
    assert set(prospect.attributes) == {"firstName"}


def test_sort_descending_is_honoured(env):
    client = env.client()
    ids = [p.id for p in client.prospects.list(sort="-id", page_size=1000)]
    assert ids == sorted(ids, reverse=True)
