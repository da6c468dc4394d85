"""The canonical dialer flow against a running mock: sign in, load the queue, call, log, complete.

    mock-outreach serve &
    python examples/dialer_flow.py --base-url http://127.0.0.1:8765 --rep ava.reed@acme.example

The sign-in page is driven over HTTP as a browser would (GET the consent form, POST it with the
rep's email and "Allow", read the redirect). The last line printed is
`queue=Q logged=L completed=C reconnects=R`.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
from outreach_client import (
    FileTokenStore,
    OAuthApp,
    OutreachAuth,
    OutreachClient,
    RateLimitError,
    ReconnectRequired,
    TokenSet,
)
from outreach_client.dialer import CallLog, CallQueueItem, Dialer

CLIENT_ID, CLIENT_SECRET = "demo-dialer", "demo-dialer-secret"
REDIRECT_URI = "http://localhost:8080/callback"


class ConsentForm(HTMLParser):
    """The first form of a page: its action, method, fields and submit buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.method = "get"
        self.fields: dict[str, str] = {}
        self.buttons: list[tuple[str, str]] = []
        self._done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form" and self.action is None:
            self.action, self.method = a.get("action", ""), a.get("method", "get").lower()
        elif self.action is None or self._done:
            return
        elif tag == "input" and a.get("name") and a.get("type") not in ("submit", "button"):
            self.fields[a["name"]] = a.get("value", "")
        elif tag in ("button", "input") and a.get("name"):
            self.buttons.append((a["name"], a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.action is not None:
            self._done = True


def sign_in(app: OAuthApp, email: str, transport: httpx.BaseTransport | None = None) -> TokenSet:
    """Go through the consent page as `email`, click Allow, and exchange the code."""
    url, state = app.authorization_url()
    with httpx.Client(transport=transport, timeout=30) as browser:
        page = browser.get(url)
        page.raise_for_status()
        form = ConsentForm()
        form.feed(page.text)
        if form.action is None:
            raise RuntimeError("no sign-in form on the authorize page")
        data = {**form.fields, "email": email, "password": "demo"}
        allow = next((b for b in form.buttons if b[1].lower() == "allow"), None)
        if allow is None:
            raise RuntimeError("no Allow button on the sign-in form")
        data[allow[0]] = allow[1]
        answer = browser.request(form.method.upper(), page.url.join(form.action), data=data)
    if answer.status_code not in (301, 302, 303, 307):
        raise RuntimeError(f"sign-in did not redirect: {answer.status_code} {answer.text[:200]}")
    code = app.parse_callback(answer.headers["Location"], state)
    return _exchange(app, code)


def _exchange(app: OAuthApp, code: str) -> TokenSet:
    """Exchange the code, waiting out the one-token-per-minute throttle if we hit it."""
    for attempt in range(3):
        try:
            return app.exchange_code(code)
        except RateLimitError:
            if attempt == 2:
                raise
            print("token endpoint says 'Retry later'; waiting a minute", file=sys.stderr)
            time.sleep(61)
    raise AssertionError("unreachable")


def simulate_call(
    item: CallQueueItem,
    user: dict[str, Any],
    rng: random.Random,
    dispositions: list[Any],
    purposes: list[Any],
) -> CallLog:
    """Pretend to dial the prospect: an outcome, timings, a disposition and a note."""
    answered = rng.random() < 0.6
    outcome = "Answered" if answered else "Not Answered"
    matching = [d for d in dispositions if d.outcome == outcome] or dispositions
    dialed = datetime.now(UTC)
    talk = timedelta(seconds=rng.randint(30, 600) if answered else rng.randint(15, 40))
    return CallLog.for_item(
        item,
        user["id"],
        outcome=outcome,
        note=f"Simulated call ({outcome.lower()})",
        dialed_at=dialed,
        answered_at=dialed + timedelta(seconds=6) if answered else None,
        completed_at=dialed + talk,
        from_number="+14155550100",
        to_number=item.prospect.phones[0] if item.prospect and item.prospect.phones else None,
        external_vendor="DemoDialer",
        call_disposition_id=rng.choice(matching).id if matching else None,
        call_purpose_id=(item.step.call_purpose_id if item.step else None)
        or (purposes[0].id if purposes else None),
    )


class Flow:
    """One rep's session: the client, the dialer, and how often they had to reconnect."""

    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args = args
        self.app = OAuthApp(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, base_url=args.base_url)
        self.store = FileTokenStore(workdir / "tokens.json")
        auth = OutreachAuth(self.app, self.store, args.rep)
        self.client = OutreachClient(auth, base_url=args.base_url)
        self.dialer = Dialer(self.client, str(workdir / "outbox.sqlite"), rep=args.rep)
        self.reconnects = 0

    def connect(self) -> None:
        """Sign in through the consent page and keep the token pair."""
        self.store.set(self.args.rep, sign_in(self.app, self.args.rep))

    def reconnect(self) -> None:
        """The refresh token was refused: the rep signs in again."""
        self.reconnects += 1
        print("reconnect required: signing in again", file=sys.stderr)
        self.connect()

    def guarded(self, fn: Any, *args: Any) -> Any:
        """Run `fn`, reconnecting once if the rep's authorization is gone."""
        try:
            return fn(*args)
        except ReconnectRequired:
            self.reconnect()
            return fn(*args)

    def run(self) -> str:
        self.connect()
        user = self.guarded(self.client.request, "GET", "").meta["user"]
        queue = self.guarded(self.dialer.load_call_queue, user["id"])
        dispositions = self.dialer.call_dispositions()
        purposes = self.dialer.call_purposes()
        rng = random.Random(self.args.seed)
        for item in queue[: self.args.max_calls]:
            fresh = self.guarded(self.dialer.refresh_task, item.task.id)
            if fresh.task.state != "incomplete":
                continue  # someone completed it meanwhile
            log = simulate_call(fresh, user, rng, dispositions, purposes)
            result = self.dialer.log_call(log)
            print(
                f"task {fresh.task.id} {fresh.prospect.name if fresh.prospect else '?'}: "
                f"{log.outcome} -> {result.status}"
            )
            if isinstance(result.exception, ReconnectRequired):
                self.reconnect()
        self.drain()
        return self.summary(len(queue))

    def drain(self, rounds: int = 5) -> None:
        """Deliver what is still queued (after an outage or a reconnect)."""
        for _ in range(rounds):
            if not self.dialer.outbox.open_entries(self.args.rep):
                return
            results = self.dialer.flush()
            if any(isinstance(r.exception, ReconnectRequired) for r in results):
                self.reconnect()
            else:
                time.sleep(1)

    def summary(self, queue_size: int) -> str:
        counts = self.dialer.outbox.counts()
        logged = sum(counts.get(state, 0) for state in ("done", "completing"))
        return (
            f"queue={queue_size} logged={logged} completed={counts.get('done', 0)} "
            f"reconnects={self.reconnects}"
        )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True, help="the mock, e.g. http://127.0.0.1:8765")
    parser.add_argument("--rep", default="ava.reed@acme.example", help="the rep's email")
    parser.add_argument("--max-calls", type=int, default=10, help="calls to make at most")
    parser.add_argument("--seed", type=int, default=1, help="seed of the simulated outcomes")
    parser.add_argument("--workdir", help="where tokens and the outbox live (default: temp)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="dialer-") as tmp:
        workdir = Path(args.workdir or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        print(Flow(args, workdir).run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
