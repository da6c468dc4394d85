"""Connect through the mock's sign-in page, and the example dialer flow end to end."""

import argparse
import importlib.util
import re
from pathlib import Path

import httpx
import pytest
from outreach_client import AuthorizationDenied, OutreachAuth, OutreachClient

AVA = "ava.reed@acme.example"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "dialer_flow.py"


@pytest.fixture(scope="module")
def flow_module():
    spec = importlib.util.spec_from_file_location("dialer_flow_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_sign_in_page_yields_a_working_token_pair(env, needs, flow_module):
    needs("oauth sign-in page", "oauth token endpoint")
    app = env.oauth_app()
    token = flow_module.sign_in(app, AVA, transport=env.transport)
    assert token.refresh_token and token.access_token
    store = {AVA: token}

    class Store(dict):
        def set(self, key, value):
            self[key] = value

        def delete(self, key):
            self.pop(key, None)

    auth = OutreachAuth(app, Store(store), AVA)
    client = OutreachClient(auth, base_url=env.base_url, transport=env.transport)
    assert client.request("GET", "").meta["user"]["email"] == AVA


def test_denied_consent_raises_authorization_denied(env, needs, flow_module):
    needs("oauth sign-in page")
    app = env.oauth_app()
    url, state = app.authorization_url()
    with httpx.Client(transport=env.transport) as browser:
        page = browser.get(url)
        form = flow_module.ConsentForm()
        form.feed(page.text)
        deny = next(b for b in form.buttons if b[1] == "deny")
        answer = browser.post(
            page.url.join(form.action), data={**form.fields, "email": AVA, deny[0]: deny[1]}
        )
    assert answer.status_code in (302, 303)
    with pytest.raises(AuthorizationDenied, match="access_denied"):
        app.parse_callback(answer.headers["Location"], state)


def test_example_flow_logs_and_completes_calls(http_env, needs, flow_module, capsys, tmp_path):
    needs("oauth sign-in page", "oauth token endpoint")
    args = ["--base-url", http_env.base_url, "--max-calls", "3", "--workdir", str(tmp_path)]
    assert flow_module.main(args) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    last = lines[-1]
    match = re.fullmatch(r"queue=(\d+) logged=(\d+) completed=(\d+) reconnects=(\d+)", last)
    assert match, last
    queue, logged, completed, reconnects = map(int, match.groups())
    assert queue >= 3
    assert (logged, completed, reconnects) == (3, 3, 0)
    called = [int(line.split()[1]) for line in lines[:-1] if line.startswith("task ")]
    assert len(called) == 3
    client = http_env.client()
    assert {client.tasks.get(task_id).state for task_id in called} == {"complete"}
    for task_id in called:
        calls = list(client.calls.list(filter={"task": {"id": task_id}}))
        assert len(calls) == 1


def test_example_signs_in_again_when_the_grant_is_revoked(http_env, needs, flow_module, tmp_path):
    needs("oauth sign-in page", "oauth token endpoint", "token revoke control")
    args = argparse.Namespace(
        base_url=http_env.base_url, rep=AVA, max_calls=1, seed=1, workdir=str(tmp_path)
    )
    flow = flow_module.Flow(args, tmp_path)
    flow.connect()
    http_env.ctl("POST", "/tokens/revoke", json={"user_id": http_env.user_id(AVA)})
    http_env.ctl("POST", "/clock", json={"advance": 61})  # past the mint throttle
    meta = flow.guarded(flow.client.request, "GET", "").meta
    assert meta["user"]["email"] == AVA
    assert flow.reconnects == 1
