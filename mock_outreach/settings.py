"""Every tunable of the mock, with the fidelity decisions of SPEC §8 as named options."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from .errors import ValidationFailed


@dataclass
class Settings:
    """Tunables; stored in the database so that several workers share them."""

    access_token_ttl_s: int = 7200  # Outreach access tokens live two hours
    refresh_token_ttl_s: int = 14 * 86400  # refresh tokens expire 14 days after issue
    refresh_tokens_kept: int = 100  # an older refresh token dies once 100 newer exist
    code_ttl_s: int = 600  # authorization codes are short-lived and single use
    token_mint_interval_s: int = 60  # one mint per user and app per minute, else 429
    rate_limit: int = 10_000  # requests per user per window
    rate_window_s: int = 3600
    strict_params: bool = False  # fidelity 10: unknown top-level query parameters -> 400
    numeric_string_ids: bool = True  # fidelity 8: "12" accepted as a relationship id
    require_content_type_on_reads: bool = False  # 415 only where a body is sent
    journal_size: int = 1000  # requests kept in the journal
    webhook_timeout_s: float = 5.0  # Outreach's delivery timeout
    webhook_retries: int = 3  # retries after a network failure, 1 s apart
    webhook_retry_delay_s: float = 1.0
    webhook_disable_after_s: int = 7 * 86400  # a webhook failing this long is disabled

    def update(self, values: dict[str, Any]) -> None:
        """Apply a partial update, checking names and types; nothing changes on error."""
        known = {f.name: f for f in fields(self)}
        staged = {}
        for name, value in values.items():
            if name not in known:
                raise ValidationFailed(f"Unknown setting '{name}'.", pointer=f"/{name}")
            current = getattr(self, name)
            ok = (isinstance(value, bool) if isinstance(current, bool)
                  else isinstance(value, int | float) and not isinstance(value, bool))
            if not ok or (not isinstance(current, bool) and value < 0):
                raise ValidationFailed(f"Setting '{name}' must be a "
                                       f"{type(current).__name__} >= 0.", pointer=f"/{name}")
            staged[name] = type(current)(value)
        for name, value in staged.items():
            setattr(self, name, value)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
