"""Tunable defaults of the client: URLs, media type, timeouts, retry and refresh rules."""

import httpx

DEFAULT_BASE_URL = "https://api.outreach.io"
API_PREFIX = "/api/v2"
JSONAPI_MEDIA_TYPE = "application/vnd.api+json"

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
DEFAULT_PAGE_SIZE = 100

# Retry rule (openai-python style): delay = min(INITIAL * 2**attempt, MAX) scaled by jitter.
DEFAULT_MAX_RETRIES = 3
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
JITTER_FRACTION = 0.25
# A server asking us to wait longer than this is surfaced as an error instead of slept on.
MAX_HONOURED_WAIT = 60.0

# Refresh the access token this many seconds before it expires.
REFRESH_MARGIN = 120.0
# How often an asyncio task polls a refresh lock held by another task or thread.
LOCK_POLL_INTERVAL = 0.01

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "PATCH"})
