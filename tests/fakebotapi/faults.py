"""Fault injection for reliability tests: which requests fail, how, and what was injected.

Usage::

    server.faults.set("sendMessage", too_many_requests=0.3, retry_after=1)  # 30% of calls get 429
    server.faults.set("*", error_500=0.05, drop=0.05)  # any other method: 5% each
    server.faults.once("sendMessage", "timeout")  # exactly the next sendMessage times out
    ...
    assert server.faults.count("too_many_requests") > 0

A rule for a method replaces the ``"*"`` rule for that method (set ``server.faults.set("getUpdates")``
to exempt long polling from a ``"*"`` rule).  Random draws come from one seeded generator, so a failing
run replays with the same seed as long as the bot sends its requests in the same order.
"""

from __future__ import annotations

import random
import threading
from collections import Counter, deque
from dataclasses import dataclass, replace

__all__ = ["KINDS", "Fault", "FaultRule", "Faults"]

#: What can happen to a request, in the order in which probabilities are drawn.
KINDS = ("error_500", "error_502", "too_many_requests", "timeout", "drop", "slow")


@dataclass(frozen=True)
class FaultRule:
    """Probabilities (0..1, summing to at most 1) of each fault kind, plus their parameters."""

    error_500: float = 0.0  # HTTP 500 with a JSON error body
    error_502: float = 0.0  # HTTP 502 with an HTML body, like Telegram's nginx front
    too_many_requests: float = 0.0  # HTTP 429 with parameters.retry_after
    timeout: float = 0.0  # hold the request for hold_seconds, then close without an answer
    drop: float = 0.0  # close the connection at once without an answer
    slow: float = 0.0  # answer normally after slow_seconds
    retry_after: int = 1
    slow_seconds: float = 0.3
    # Longer than the client's read timeout (PTB's default is 5 s; tests usually lower it).
    hold_seconds: float = 6.0
    # If True, a timed-out or dropped request still takes effect (the message is stored) and only the
    # answer is lost, which is what a real network time-out looks like to the bot.
    lost_response: bool = False

    def __post_init__(self) -> None:
        total = sum(getattr(self, kind) for kind in KINDS)
        if total > 1.0 + 1e-9 or any(getattr(self, kind) < 0 for kind in KINDS):
            raise ValueError(f"fault probabilities must be >= 0 and sum to <= 1, got {total}")


@dataclass(frozen=True)
class Fault:
    """One injected fault: its kind and the rule that supplies its parameters."""

    kind: str
    rule: FaultRule


class Faults:
    """Per-method fault rules, forced one-shot faults and counters; thread-safe."""

    def __init__(self, seed: int = 0):
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._rules: dict[str, FaultRule] = {}
        self._forced: dict[str, deque[Fault]] = {}
        self.injected: Counter[tuple[str, str]] = Counter()  # (method, kind) -> count

    def set(self, method: str = "*", **fields: object) -> FaultRule:
        """Set the rule for ``method`` (``"*"``: every method without its own rule)."""
        rule = FaultRule(**fields)  # type: ignore[arg-type]
        with self._lock:
            self._rules[method] = rule
        return rule

    def once(self, method: str, kind: str, times: int = 1, **fields: object) -> None:
        """Force ``kind`` on the next ``times`` calls of ``method`` (before any random rule)."""
        if kind not in KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {KINDS}")
        with self._lock:
            base = self._rules.get(method) or self._rules.get("*") or FaultRule()
            rule = replace(base, **{**dict.fromkeys(KINDS, 0.0), **fields})  # type: ignore[arg-type]
            self._forced.setdefault(method, deque()).extend([Fault(kind, rule)] * times)

    def seed(self, seed: int) -> None:
        with self._lock:
            self._rng.seed(seed)

    def clear(self) -> None:
        """Remove all rules and forced faults (the counters are kept)."""
        with self._lock:
            self._rules.clear()
            self._forced.clear()

    def count(self, kind: str | None = None, method: str | None = None) -> int:
        """How many faults were injected, optionally of one kind and/or for one method."""
        with self._lock:
            return sum(
                n
                for (m, k), n in self.injected.items()
                if (kind is None or k == kind) and (method is None or m == method)
            )

    def decide(self, method: str) -> Fault | None:
        """Draw the fate of one request to ``method``; None means it is served normally."""
        with self._lock:
            fault = self._forced_fault(method) or self._random_fault(method)
            if fault is not None:
                self.injected[(method, fault.kind)] += 1
            return fault

    def _forced_fault(self, method: str) -> Fault | None:
        for key in (method, "*"):
            queue = self._forced.get(key)
            if queue:
                return queue.popleft()
        return None

    def _random_fault(self, method: str) -> Fault | None:
        rule = self._rules.get(method) or self._rules.get("*")
        if rule is None:
            return None
        draw, threshold = self._rng.random(), 0.0
        for kind in KINDS:
            threshold += getattr(rule, kind)
            if draw < threshold:
                return Fault(kind, rule)
        return None
