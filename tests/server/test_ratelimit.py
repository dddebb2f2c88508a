"""Token buckets in the table workers share: two attachments of one file stand for two worker processes
(each maps the file and takes the flock through its own descriptor, as a process does)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from server.ratelimit import RateLimiter, key_id
from server.shared import SLOTS, SharedState

NO_REFILL = 1e-9  # a token a few decades: no test lives to see one come back


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[tuple[SharedState, SharedState]]:
    SharedState.create(tmp_path)
    first, second = SharedState.attach(tmp_path), SharedState.attach(tmp_path)
    yield first, second
    first.close()
    second.close()


def test_a_key_gets_its_burst_once_in_total_across_workers(two_workers: tuple[SharedState, SharedState]) -> None:
    first, second = (RateLimiter(NO_REFILL, 5, shared, "requests") for shared in two_workers)
    assert [first.allow("ana") for _ in range(5)] == [True] * 5
    assert (second.allow("ana"), first.allow("ana")) == (False, False)
    assert second.allow("bob") is True


def test_each_limiter_has_its_own_region(two_workers: tuple[SharedState, SharedState]) -> None:
    shared, _ = two_workers
    requests = RateLimiter(NO_REFILL, 1, shared, "requests")
    failures = RateLimiter(NO_REFILL, 1, shared, "auth_failures")
    assert (requests.allow("127.0.0.1"), requests.available("127.0.0.1")) == (True, False)
    assert failures.available("127.0.0.1") is True


def test_failures_spent_past_the_burst_are_a_debt(two_workers: tuple[SharedState, SharedState]) -> None:
    first, second = (RateLimiter(1, 2, shared, "auth_failures") for shared in two_workers)
    for _ in range(3):
        first.spend("10.0.0.1")
    assert second.available("10.0.0.1") is False


def test_keys_changed_in_one_worker_are_seen_by_the_other(two_workers: tuple[SharedState, SharedState]) -> None:
    first, second = two_workers
    before = second.keys_generation
    first.keys_changed()
    assert second.keys_generation == before + 1


def test_a_full_table_takes_over_the_least_recently_used_slot_and_never_refuses_a_new_key() -> None:
    limiter = RateLimiter(NO_REFILL, 1)
    assert all(limiter.allow(f"user-{number}") for number in range(SLOTS + 1000))
    assert limiter.allow(f"user-{SLOTS + 999}") is False


def test_a_refilled_bucket_frees_its_slot_for_another_key() -> None:
    limiter = RateLimiter(rate=1e9, burst=1)
    assert all(limiter.allow(f"user-{number}") for number in range(3 * SLOTS))
    assert limiter.allow("user-0") is True


def test_only_one_worker_leads_until_it_stops(tmp_path: Path) -> None:
    SharedState.create(tmp_path)
    first, second = SharedState.attach(tmp_path), SharedState.attach(tmp_path)
    assert (first.leads(), second.leads(), first.leads()) == (True, False, True)
    assert first.instance == second.instance != SharedState.attach(None).instance
    first.close()
    assert second.leads() is True
    second.close()


def test_tokens_spent_here_are_collected_once_and_tokens_spent_elsewhere_are_charged(
    two_workers: tuple[SharedState, SharedState],
) -> None:
    first, second = (RateLimiter(NO_REFILL, 5, shared, "requests") for shared in two_workers)
    assert first.allow("ana") and second.allow("ana") and first.allow("bob")
    assert second.collect() == {key_id("ana"): 2, key_id("bob"): 1}
    assert first.collect() == {}
    second.charge(key_id("carl"), 4.5)
    assert [first.allow("carl"), first.allow("carl")] == [False, False]
    assert first.collect() == {}, "charges from elsewhere are not sent back"
