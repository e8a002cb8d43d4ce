"""Question quotas: one notice when a user or chat passes its quota, again only a minute later."""

from bot.flood import WINDOW_SECONDS, Quotas


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_one_notice_per_window_when_a_user_passes_the_quota():
    clock = Clock()
    quotas = Quotas(per_user=3, per_chat=100, clock=clock)
    warnings = [quotas.over(chat_id=1, user_id=7) for _ in range(10)]
    assert warnings == [False, False, False, True] + [False] * 6
    clock.now += WINDOW_SECONDS
    assert [quotas.over(1, 7) for _ in range(4)] == [False, False, False, True]


def test_the_chat_quota_counts_every_member():
    quotas = Quotas(per_user=100, per_chat=4, clock=Clock())
    warnings = [quotas.over(chat_id=-5, user_id=user) for user in (1, 2, 3, 4, 5, 6)]
    assert warnings == [False, False, False, False, True, False]


def test_other_chats_are_not_affected():
    quotas = Quotas(per_user=1, per_chat=1, clock=Clock())
    assert quotas.over(1, 1) is False and quotas.over(1, 1) is True
    assert quotas.over(2, 2) is False


def test_memory_stays_flat_with_many_quiet_chats():
    clock = Clock()
    quotas = Quotas(per_user=5, per_chat=5, clock=clock)
    for chat in range(30_000):
        quotas.over(chat, chat)
        clock.now += 0.01
    assert len(quotas._windows) <= 2 * (2 * 60 / 0.01) + 2  # at most twice the live ones
