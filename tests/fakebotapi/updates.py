"""How updates reach the bot: the pending queue, getUpdates long polling, and webhooks.

As on Telegram, an update stays pending until it is confirmed: by a getUpdates call with a higher
``offset``, or by a 2xx answer of the webhook.  While a webhook is set, getUpdates is refused with 409
and a background thread POSTs pending updates to it one by one, retrying with back-off on failure.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request

from .state import FakeState
from .wire import ApiError, bad_request

# Telegram's default when allowed_updates was never set (or set to []).
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the "
    "webhook first"
)
POLLING_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)
_SECRET_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
# urllib must not send the webhook POSTs to a proxy from the environment.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def update_type(update: dict) -> str:
    return next(key for key in update if key != "update_id")


class UpdatesMixin(FakeState):
    """The update queue, getUpdates, setWebhook/deleteWebhook/getWebhookInfo and webhook delivery."""

    webhook_retry_delay = 0.05  # first back-off after a failed webhook POST (doubles, up to 1 s)
    webhook_timeout = 5.0  # seconds to wait for the webhook's answer

    def _init_updates(self) -> None:
        self._pending: list[dict] = []
        self._all_updates: list[dict] = []
        self._next_update_id = 1000
        self._allowed_updates: frozenset[str] | None = None  # None: Telegram's default
        self._poll_generation = 0
        self._webhook: dict = {"url": ""}
        self._webhook_thread: threading.Thread | None = None
        self.webhook_deliveries: list[tuple[int, int | None]] = []  # (update_id, HTTP status or None)

    # -- creating updates ------------------------------------------------------------------------------

    def _enqueue(self, payload: dict) -> dict:
        """Queue an update (``payload`` is e.g. ``{"message": {...}}``) and return it."""
        with self._cond:
            update = {"update_id": payload.get("update_id", self._next_update_id)}
            update.update((k, v) for k, v in payload.items() if k != "update_id")
            self._next_update_id = max(self._next_update_id, update["update_id"]) + 1
            self._pending.append(update)
            self._all_updates.append(update)
            self._changed()
            return update

    @property
    def updates(self) -> list[dict]:
        """Every update created so far (delivered or not), oldest first."""
        with self._cond:
            return self._snapshot(self._all_updates)

    def pending_updates(self) -> list[dict]:
        """Updates not yet confirmed by the bot."""
        with self._cond:
            return self._snapshot(self._pending)

    def _is_allowed(self, update: dict) -> bool:
        kind = update_type(update)
        if self._allowed_updates is None:
            return kind not in DEFAULT_EXCLUDED_UPDATES
        return kind in self._allowed_updates

    def _set_allowed_updates(self, allowed: object) -> None:
        if allowed is None:
            return  # keep the previous setting, like Telegram
        if not isinstance(allowed, list):
            raise bad_request("can't parse allowed updates JSON object")
        self._allowed_updates = frozenset(allowed) if allowed else None

    def _deliverable(self, limit: int) -> list[dict]:
        """First pending updates the bot asked for; the others are dropped as Telegram does."""
        self._pending = [update for update in self._pending if self._is_allowed(update)]
        return self._pending[:limit]

    # -- getUpdates ------------------------------------------------------------------------------------

    def _api_getUpdates(self, params: dict) -> list[dict]:
        if self._webhook["url"]:
            raise ApiError(409, WEBHOOK_CONFLICT)
        self._set_allowed_updates(params.get("allowed_updates"))
        self._confirm(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        deadline = time.monotonic() + max(float(params.get("timeout") or 0), 0)
        # A newer getUpdates ends this one with 409, as on Telegram (two bot instances polling).
        self._poll_generation += 1
        generation = self._poll_generation
        self._changed()
        while True:
            batch = self._deliverable(limit)
            remaining = deadline - time.monotonic()
            if batch or remaining <= 0 or self._closing.is_set():
                return batch
            if generation != self._poll_generation:
                raise ApiError(409, POLLING_CONFLICT)
            self._cond.wait(remaining)  # woken by _changed(); no busy waiting

    def _confirm(self, offset: int) -> None:
        """Forget updates below ``offset``; a negative offset keeps only the last -offset updates."""
        if offset < 0:
            self._pending = self._pending[offset:]
        elif offset:
            self._pending = [update for update in self._pending if update["update_id"] >= offset]

    # -- webhooks --------------------------------------------------------------------------------------

    def _api_setWebhook(self, params: dict) -> bool:
        url = params.get("url") or ""
        if url and not url.startswith(("https://", "http://")):
            # Telegram insists on HTTPS; the fake accepts http:// for receivers on 127.0.0.1.
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token") or ""
        if len(secret) > 256 or not set(secret) <= _SECRET_TOKEN_CHARS:
            raise bad_request("secret token contains unallowed characters")
        self._set_allowed_updates(params.get("allowed_updates"))
        if params.get("drop_pending_updates"):
            self._pending.clear()
        self._webhook = {
            "url": url,
            "secret_token": secret,
            "max_connections": int(params.get("max_connections") or 40),
        }
        if url:
            self._start_webhook_thread()
        self._changed()
        return True

    def _api_deleteWebhook(self, params: dict) -> bool:
        if params.get("drop_pending_updates"):
            self._pending.clear()
        self._webhook = {"url": ""}
        self._changed()
        return True

    def _api_getWebhookInfo(self, params: dict) -> dict:
        info = {
            "url": self._webhook["url"],
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self._webhook["url"]:
            info["max_connections"] = self._webhook["max_connections"]
            if self._allowed_updates is not None:
                info["allowed_updates"] = sorted(self._allowed_updates)
            for key in ("last_error_date", "last_error_message"):
                if key in self._webhook:
                    info[key] = self._webhook[key]
        return info

    def post_to_webhook(self, update: dict, secret: str | None, url: str | None = None) -> int:
        """POST ``update`` to the webhook (or ``url``) with ``secret`` as the secret header, bypassing
        the queue; returns the HTTP status (0 if the connection failed).  For testing how the bot's
        webhook treats a wrong or missing secret."""
        with self._cond:
            url = url or self._webhook["url"]
        if not url:
            raise AssertionError("no webhook is set and no url was given")
        status, _ = _post_json(url, update, secret, self.webhook_timeout)
        return status or 0

    def _start_webhook_thread(self) -> None:
        if self._webhook_thread is None:
            self._webhook_thread = threading.Thread(
                target=self._webhook_loop, name="fakebotapi-webhook", daemon=True
            )
            self._webhook_thread.start()

    def _webhook_loop(self) -> None:
        """Deliver pending updates one by one while a webhook is set (one thread per server)."""
        delay = self.webhook_retry_delay
        while not self._closing.is_set():
            with self._cond:
                hook = self._webhook
                batch = self._deliverable(1) if hook["url"] else []
                if not batch:
                    self._cond.wait()
                    continue
            update = batch[0]
            status, error = _post_json(hook["url"], update, hook["secret_token"], self.webhook_timeout)
            with self._cond:
                self.webhook_deliveries.append((update["update_id"], status))
                if status is not None and 200 <= status < 300:
                    self._pending = [u for u in self._pending if u is not update]
                    delay = self.webhook_retry_delay
                else:
                    hook["last_error_date"] = int(time.time())
                    hook["last_error_message"] = error
                self._changed()
            if error:
                self._closing.wait(delay)
                delay = min(delay * 2, 1.0)


def _post_json(url: str, update: dict, secret: str | None, timeout: float) -> tuple[int | None, str]:
    """POST one update like Telegram does: (status or None, error message or "")."""
    headers = {"Content-Type": "application/json"}
    if secret:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, data=json.dumps(update).encode(), headers=headers, method="POST")
    try:
        with _DIRECT.open(request, timeout=timeout) as response:
            response.read()
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"Wrong response from the webhook: {exc.code} {exc.reason}"
    except (OSError, urllib.error.URLError) as exc:
        return None, f"Connection failed: {exc}"
