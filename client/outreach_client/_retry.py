"""The one retry rule: what is retried, and how long to wait before the next attempt."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from . import _constants as C
from .errors import retry_after_seconds

# Failures that prove the request never reached the server, so even a POST may be resent.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass
class RetryPolicy:
    """Exponential backoff with jitter; `random` and `clock` are injectable so tests can pin them.

    Retried: 429 always (the request was refused, not processed), and for idempotent methods
    5xx and connection errors. A POST (create or member action) is resent only when it
    provably never left: Outreach has no idempotency keys, so a blind resend may duplicate.
    """

    max_retries: int = C.DEFAULT_MAX_RETRIES
    initial_delay: float = C.INITIAL_RETRY_DELAY
    max_delay: float = C.MAX_RETRY_DELAY
    jitter: float = C.JITTER_FRACTION
    max_wait: float = C.MAX_HONOURED_WAIT
    random: Callable[[], float] = field(default=random.random)
    clock: Callable[[], float] = field(default=time.time)

    def backoff(self, attempt: int) -> float:
        """Delay before retry number `attempt + 1`: doubling, capped, shortened by up to jitter."""
        base = min(self.initial_delay * 2**attempt, self.max_delay)
        return base * (1 - self.jitter * self.random())

    def delay_after_response(self, response: httpx.Response, attempt: int) -> float | None:
        """Seconds to wait before resending, or None when this response is final."""
        if attempt >= self.max_retries:
            return None
        status = response.status_code
        idempotent = response.request.method in C.IDEMPOTENT_METHODS
        if status == 429 or (status >= 500 and idempotent):
            told = retry_after_seconds(response, self.clock())
            if told is None:
                return self.backoff(attempt)
            return told if told <= self.max_wait else None
        return None

    def delay_after_error(self, exc: Exception, method: str, attempt: int) -> float | None:
        """Seconds to wait after a transport error, or None when it must surface."""
        if attempt >= self.max_retries:
            return None
        if method in C.IDEMPOTENT_METHODS or isinstance(exc, _NOT_SENT):
            return self.backoff(attempt)
        return None
