"""Worker processes sharing one FileTokenStore refresh a rep's token once, not once each."""

import subprocess
import sys
import time

from outreach_client import FileTokenStore

AVA = "ava.reed@acme.example"
WORKER = """
import sys
from outreach_client import FileTokenStore, OAuthApp, OutreachAuth, OutreachClient
base, path, rep = sys.argv[1:4]
app = OAuthApp("demo-dialer", "demo-dialer-secret", "http://localhost:8080/callback",
               base_url=base)
auth = OutreachAuth(app, FileTokenStore(path), rep)
client = OutreachClient(auth, base_url=base, sleep=lambda s: None)
sys.stdin.readline()  # start together
client.users.get(1)
print(auth.refresh_count)
"""


def test_processes_sharing_a_file_store_refresh_once(http_env, needs, tmp_path):
    needs("oauth token endpoint", "journal")
    path = tmp_path / "tokens.json"
    FileTokenStore(path).set(AVA, http_env.mint(AVA))
    http_env.ctl("POST", "/clock", json={"advance": 7205})  # every access token is now expired
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, http_env.base_url, str(path), AVA],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    time.sleep(1.0)  # let them import and build their clients
    for worker in workers:  # release them all at once
        worker.stdin.write("go\n")
        worker.stdin.close()
    outputs = []
    for worker in workers:
        with worker.stdout, worker.stderr:
            outputs.append((worker.stdout.read(), worker.stderr.read()))
        worker.wait(timeout=60)
    assert [w.returncode for w in workers] == [0] * 4, [err for _, err in outputs]
    assert sum(int(out) for out, _ in outputs) == 1
    token_posts = http_env.ctl("GET", "/journal", params={"path": "/oauth/token"})["entries"]
    assert [entry["status"] for entry in token_posts] == [200]  # nobody met the throttle
