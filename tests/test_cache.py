"""The cache: Cache-Control, stale-on-error, single flight, fail-fast windows, interrupts."""

from __future__ import annotations

import contextlib
import itertools
import logging
import math
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from raw_http import RawServer, json_body, read_request

import lambda_metadata
import lambda_metadata.snapstart
from lambda_metadata import (
    LambdaMetadata,
    LambdaMetadataError,
    MetadataUnavailableError,
    clear_metadata_cache,
    get_lambda_metadata,
)
from lambda_metadata._cache import cached_metadata, fresh_metadata
from lambda_metadata._flight import Key, SingleFlight
from lambda_metadata.errors import InvalidArgumentError, MetadataHTTPError, MetadataTimeoutError
from lambda_metadata.testing import FakeClock, MetadataEndpoint, lambda_context


def test_fetched_once_then_cached_until_a_refresh_a_clear_or_a_clock_swap(
    lambda_metadata_endpoint: MetadataEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = get_lambda_metadata(timeout=30)
    wall = time.time()
    for jump in (86400.0, -86400.0, 10.0**9):  # NTP steps: the default monotonic clock ignores them
        with monkeypatch.context() as patch:
            patch.setattr(time, "time", lambda jump=jump: wall + jump)
            for timeout in (1, 1.0, 0.25, 30, 86400):  # good ones (the bad: test_timeout_rule.py)
                assert get_lambda_metadata(timeout=timeout) is first
    with pytest.raises(InvalidArgumentError):  # a bad one is refused on the cached path too
        get_lambda_metadata(timeout=0)
    assert lambda_metadata_endpoint.request_count == 1
    lambda_metadata_endpoint.availability_zone_id = "use1-az2"
    assert get_lambda_metadata(refresh=True).availability_zone_id == "use1-az2"  # replaces it
    assert get_lambda_metadata().availability_zone_id == "use1-az2"
    clear_metadata_cache()
    get_lambda_metadata()
    assert lambda_metadata_endpoint.request_count == 3
    # Expiries read from one clock mean nothing on another: none outlives a clock swap.
    with FakeClock(start=0.0):  # behind the real clock: the real expiry has not come
        get_lambda_metadata()
        assert lambda_metadata_endpoint.request_count == 4
    with FakeClock(start=10.0**9):  # far ahead: its expiry is far ahead of the real clock's
        get_lambda_metadata()
        assert lambda_metadata_endpoint.request_count == 5
    get_lambda_metadata()
    assert lambda_metadata_endpoint.request_count == 6


def test_the_warm_path_expires_a_value_at_exactly_its_max_age_too(
    lambda_metadata_endpoint: MetadataEndpoint, fake_clock: FakeClock
) -> None:
    # fresh while its age is below max-age (RFC 9111 4.2), so stale when it equals it; for
    # get_lambda_metadata() the max-age=60 rows of the Cache-Control table below check it
    lambda_metadata_endpoint.max_age = 2
    fetched_at = fake_clock.now
    first = get_lambda_metadata()
    fake_clock.advance(1.99)
    assert get_lambda_metadata() is fresh_metadata() is cached_metadata() is first
    fake_clock.now = fetched_at + 2  # the expiry's own sum, so exactly equal
    assert (fresh_metadata(), cached_metadata()) == (None, first)  # the decorator's warm path


KEPT = {0: [1, 2, 3, 4], 60: [1, 1, 2, 3], math.inf: [1, 1, 1, 1]}
"""Seconds a value is kept: the request count after calls at 0 s, 59 s, 60 s and 31 years."""


@pytest.mark.parametrize(
    ("header", "kept"),
    [
        *[(h, 0) for h in ("no-store", "no-cache", "private, no-cache", "max-age=0")],
        ("private, max-age=0", 0),
        ('private, max-age="60"', 60),  # RFC 9111 asks recipients to accept the quoted form
        ("max-age=60 , private", 60),
        (None, math.inf),  # no usable max-age: kept for the process lifetime
        ("private, immutable", math.inf),
        ("max-age=banana", math.inf),
        ("max-age=X60X", math.inf),  # digits inside other characters are not a max-age
    ],
)
def test_cache_control_decides_how_long_a_value_is_kept(
    header: str | None,
    kept: float,
    lambda_metadata_endpoint: MetadataEndpoint,
    fake_clock: FakeClock,
) -> None:
    lambda_metadata_endpoint.max_age = None
    lambda_metadata_endpoint.cache_control = header
    counts = []
    for step in (0, 59, 1, 10**9):
        fake_clock.advance(step)
        get_lambda_metadata()
        counts.append(lambda_metadata_endpoint.request_count)
    assert counts == KEPT[kept]
    assert (cached_metadata() is None) is (kept == 0), "a value not to be kept is not stored"


def test_an_expired_value_is_served_while_refreshing_fails_with_one_warning(
    lambda_metadata_endpoint: MetadataEndpoint,
    caplog: pytest.LogCaptureFixture,
    fake_clock: FakeClock,
) -> None:
    lambda_metadata_endpoint.max_age = 1
    good = get_lambda_metadata()
    fake_clock.advance(1.5)
    lambda_metadata_endpoint.impair(status=404)  # never retried: each attempt is one request
    with caplog.at_level(logging.INFO, logger="lambda_metadata"):
        for _ in range(20):  # the first attempt fails, then the 0.5 s window: from memory
            assert get_lambda_metadata(timeout=5) is good
        assert lambda_metadata_endpoint.request_count == 2
        fake_clock.advance(0.6)  # the window ends: one more attempt, which fails, and 1 s now
        assert get_lambda_metadata(timeout=5) is good
        fake_clock.advance(0.9)
        assert get_lambda_metadata(timeout=5) is good
        assert lambda_metadata_endpoint.request_count == 3
        lambda_metadata_endpoint.heal()
        lambda_metadata_endpoint.availability_zone_id = "use1-az2"
        fake_clock.advance(0.2)
        assert get_lambda_metadata().availability_zone_id == "use1-az2"
    [warning] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "serving the last good value 'use1-az1' and retrying in 0.5 s" in warning
    infos = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert infos == ["lambda_metadata: the metadata endpoint answers again"]
    lambda_metadata_endpoint.impair(status=404)
    with pytest.raises(MetadataHTTPError):  # an explicit refresh raises, and keeps the value
        get_lambda_metadata(refresh=True, timeout=5)
    assert get_lambda_metadata().availability_zone_id == "use1-az2"


@pytest.mark.parametrize(
    ("count", "timeout", "token", "outcome"),
    [
        (50, 5, None, LambdaMetadata),
        (10, 0.6, None, LambdaMetadata),  # short deadlines: the answer comes in time
        (50, 5, "wrong", MetadataHTTPError),  # one failure, shared
    ],
    ids=["fifty", "short-deadlines", "a-shared-failure"],
)
def test_concurrent_first_calls_make_one_request(
    lambda_metadata_endpoint: MetadataEndpoint,
    monkeypatch: pytest.MonkeyPatch,
    count: int,
    timeout: float,
    token: str | None,
    outcome: type[object],
) -> None:
    if token is not None:
        monkeypatch.setenv("AWS_LAMBDA_METADATA_TOKEN", token)
    lambda_metadata_endpoint.impair(delay=0.2)
    barrier = threading.Barrier(count)

    def call(_: int) -> object:
        barrier.wait()
        try:
            return get_lambda_metadata(timeout=timeout)
        except LambdaMetadataError as exc:
            return exc

    with ThreadPoolExecutor(count) as pool:
        results = list(pool.map(call, range(count)))
    assert [type(r) for r in results] == [outcome] * count
    ids = {id(r) for r in results}  # one value, or an error instance for each caller
    assert len(ids) == (1 if outcome is LambdaMetadata else count)
    assert lambda_metadata_endpoint.request_count == 1


# -- whatever is raised in the leader, the flight ends -------------------------------------------


def _fetched_at_once(
    endpoint: MetadataEndpoint, *, refresh: bool = False, zone: str = "use1-az2"
) -> None:
    """The next call asks the (now healthy) endpoint once and has its answer at once."""
    endpoint.reset(token=endpoint.token)
    endpoint.availability_zone_id = zone
    started = time.monotonic()
    assert get_lambda_metadata(refresh=refresh, timeout=5).availability_zone_id == zone
    assert get_lambda_metadata(timeout=5).availability_zone_id == zone
    assert time.monotonic() - started < 1.0, "far inside the 5 s timeout: nothing waited"
    assert endpoint.request_count == 1


@pytest.mark.parametrize("error", [RuntimeError("filter bug"), KeyboardInterrupt()])
def test_a_raising_filter_on_the_stale_warning_or_the_recovery_line_changes_nothing(
    error: BaseException,
    lambda_metadata_endpoint: MetadataEndpoint,
    fake_clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A logging failure never reaches the caller; an interrupt does, once the cache is settled."""
    lambda_metadata_endpoint.max_age = 1
    get_lambda_metadata()
    fake_clock.advance(2)
    lambda_metadata_endpoint.impair(status=404)
    caplog.set_level(logging.INFO, logger="lambda_metadata")
    refused: list[int] = []

    def refuse(record: logging.LogRecord) -> bool:
        refused.append(record.levelno)
        raise error

    monkeypatch.setattr(logging.getLogger("lambda_metadata"), "filters", [refuse])
    interrupt = isinstance(error, KeyboardInterrupt)
    for expected in ("use1-az1", "use1-az2"):  # the stale value's warning, the recovery line
        with pytest.raises(KeyboardInterrupt) if interrupt else contextlib.nullcontext():
            assert get_lambda_metadata(timeout=5).availability_zone_id == expected
        requests = lambda_metadata_endpoint.request_count
        assert get_lambda_metadata(timeout=5).availability_zone_id == expected  # kept, no flight
        assert lambda_metadata_endpoint.request_count == requests
        fake_clock.advance(1)  # past the window
        lambda_metadata_endpoint.heal()
        lambda_metadata_endpoint.availability_zone_id = "use1-az2"
    assert refused == [logging.WARNING, logging.INFO]
    _fetched_at_once(lambda_metadata_endpoint, refresh=True, zone="use1-az3")


class _SoftTimeoutError(Exception):
    """What a signal-based soft timeout raises in the handler's thread."""


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs signal.setitimer")
@pytest.mark.parametrize(
    ("interrupt", "delay", "after", "timeout", "expected"),
    [
        (KeyboardInterrupt, 0.6, 0.3, 5, "use1-az1"),
        (TimeoutError, 0.6, 0.3, 5, "use1-az1"),  # raised in a socket call, before the deadline
        (_SoftTimeoutError, 0.6, 0.3, 5, "use1-az1"),
        (KeyboardInterrupt, 2.2, 0.8, 1.2, MetadataTimeoutError),  # every answer comes too late
    ],
    ids=["keyboard", "timeout-error", "soft-timeout", "follower-deadline"],
)
def test_an_interrupt_inside_a_slow_fetch_ends_the_flight(
    interrupt: type[BaseException],
    delay: float,
    after: float,
    timeout: float,
    expected: object,
    lambda_metadata_endpoint: MetadataEndpoint,
) -> None:
    """A SIGALRM handler raises ``interrupt`` in the leader ``after`` seconds in: it reaches
    the leader as raised, and the follower (started 0.1 s in) fetches again with what is left
    of its deadline (woken at 0.8 s, not 1.2 s more, which would end near 1.9 s)."""
    lambda_metadata_endpoint.impair(delay=delay)
    lambda_metadata_endpoint.cache_control = "no-store"  # what the follower gets is not kept
    got: list[object] = []
    took: list[float] = []

    def follower() -> None:
        started = time.monotonic()
        try:
            got.append(get_lambda_metadata(timeout=timeout).availability_zone_id)
        except LambdaMetadataError as exc:
            got.append(type(exc))
        took.append(time.monotonic() - started)

    def on_alarm(signum: int, frame: object) -> None:
        raise interrupt("soft timeout")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    thread = threading.Thread(target=follower)
    try:
        signal.setitimer(signal.ITIMER_REAL, after)
        threading.Timer(0.1, thread.start).start()  # joins the leader's flight
        with pytest.raises(interrupt):
            get_lambda_metadata(timeout=5)  # the leader
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    thread.join(timeout=5)
    assert got == [expected], "the follower woke up and fetched again"
    assert took[0] < timeout + 0.4
    if expected == "use1-az1":  # an interrupted flight opened no window: a plain call fetches
        _fetched_at_once(lambda_metadata_endpoint)


def test_an_exception_at_the_lazy_import_ends_the_flight(
    lambda_metadata_endpoint: MetadataEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as patch:
        patch.setitem(sys.modules, "lambda_metadata._client", None)  # the import now raises
        with pytest.raises(ImportError):
            get_lambda_metadata(timeout=0.2)
    _fetched_at_once(lambda_metadata_endpoint)


def test_a_call_that_sends_nothing_opens_no_window_and_starts_no_flight(
    no_lambda_metadata: None, fake_clock: FakeClock
) -> None:
    """An unset environment, or a deadline used up before the fetch can start (as for a
    follower woken late by an interrupted leader): nothing later callers would wait on."""
    with pytest.raises(MetadataUnavailableError):
        get_lambda_metadata()
    with MetadataEndpoint() as endpoint, endpoint.environment():
        with pytest.raises(MetadataTimeoutError):
            get_lambda_metadata(timeout=1e-12)
        assert endpoint.request_count == 0
        endpoint.max_age = 1
        first = get_lambda_metadata(timeout=0.5)  # fetched at once: no window, no flight
        assert first.availability_zone_id == "use1-az1"
        fake_clock.advance(1)
        assert get_lambda_metadata(timeout=1e-12) is first  # with an expired value: that value
        assert endpoint.request_count == 1


def test_a_value_stored_while_a_caller_waited_for_the_lock_is_served_without_a_fetch() -> None:
    # What a caller finds under the lock after missing the lock-free read while a leader landed.
    def fetch(key: Key, timeout: float, retry: bool) -> tuple[str, float]:
        raise AssertionError("fetched")

    flight = SingleFlight(
        clock=time.monotonic, fetch=fetch, busy=lambda t: MetadataTimeoutError("")
    )
    flight.entry = ((), "stored", math.inf)
    assert flight.get((), timeout=1) == "stored"


# -- negative caching ---------------------------------------------------------------------------


def _raised(call: Callable[[], object]) -> BaseException:
    with pytest.raises(LambdaMetadataError) as caught:
        call()
    return caught.value


def test_a_failure_with_nothing_cached_fails_fast_for_a_window_doubling_up_to_a_minute(
    lambda_metadata_endpoint: MetadataEndpoint,
    fake_clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A 401 is never retried: one request, answered and logged before the error is raised, so
    # no retry cut short by the deadline lands late in the count on a loaded machine.
    monkeypatch.setenv("AWS_LAMBDA_METADATA_TOKEN", "wrong")
    lambda_metadata_endpoint.cache_control = "no-store"  # a success leaves nothing cached
    caplog.set_level(logging.INFO, logger="lambda_metadata")
    first = _raised(lambda: get_lambda_metadata(timeout=2))
    assert isinstance(first, MetadataHTTPError)
    where = [frame.filename for frame in traceback.extract_tb(first.__traceback__)]
    assert any(name.endswith("_client.py") for name in where), "the fetch's own traceback"
    started = time.perf_counter()
    again = [_raised(lambda: get_lambda_metadata(timeout=0.2)) for _ in range(100)]
    elapsed = time.perf_counter() - started
    assert lambda_metadata_endpoint.request_count == 1, "no request inside the window"
    assert elapsed < 0.5, f"100 fail-fast calls took {elapsed:.3f} s"
    for error in again:
        assert type(error) is MetadataHTTPError
        assert str(error) == str(first)
        assert error.status_code == 401
        assert len(traceback.extract_tb(error.__traceback__)) < 10, "the traceback stays short"
    assert len({id(error) for error in again}) == len(again), "a fresh instance each time"

    def next_attempt_after() -> float:
        """Step the clock until a call makes a request again; the seconds it took."""
        for steps in range(1, 481):
            fake_clock.advance(0.25)
            count = lambda_metadata_endpoint.request_count
            with contextlib.suppress(MetadataHTTPError):
                get_lambda_metadata()
            if lambda_metadata_endpoint.request_count > count:
                assert lambda_metadata_endpoint.request_count == count + 1
                return steps * 0.25
        raise AssertionError("no attempt within 120 s")

    windows = [next_attempt_after() for _ in range(9)]
    assert windows == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]
    for wait in (60.0, 0.02):  # a success ends the streak: the next one starts at 0.5 s again
        monkeypatch.setenv("AWS_LAMBDA_METADATA_TOKEN", lambda_metadata_endpoint.token)
        fake_clock.advance(wait)
        assert get_lambda_metadata().availability_zone_id == "use1-az1"
        monkeypatch.setenv("AWS_LAMBDA_METADATA_TOKEN", "wrong")
        _raised(get_lambda_metadata)
        fake_clock.advance(0.49)
        count = lambda_metadata_endpoint.request_count
        _raised(get_lambda_metadata)
        assert lambda_metadata_endpoint.request_count == count
    infos = [r.getMessage() for r in caplog.records]
    assert infos == ["lambda_metadata: the metadata endpoint answers again"] * 2


def _after(step: Callable[[], None]) -> LambdaMetadata:
    step()
    return get_lambda_metadata()


@pytest.mark.parametrize(
    "bypass",
    [
        lambda: get_lambda_metadata(refresh=True),
        lambda: _after(clear_metadata_cache),
        lambda: _after(lambda_metadata.snapstart.drop_cache_before_snapshot),
        lambda: _after(lambda_metadata.snapstart.refresh_after_restore),
    ],
    ids=["refresh", "clear", "before-snapshot", "after-restore"],
)
def test_refresh_clear_and_the_snapstart_hooks_end_the_window(
    bypass: Callable[[], LambdaMetadata],
    lambda_metadata_endpoint: MetadataEndpoint,
    fake_clock: FakeClock,
) -> None:
    lambda_metadata_endpoint.impair(status=401, times=1)  # answered before the error is raised
    _raised(get_lambda_metadata)
    _raised(get_lambda_metadata)  # still inside the window
    before = lambda_metadata_endpoint.request_count
    assert bypass().availability_zone_id == "use1-az1"
    assert lambda_metadata_endpoint.request_count == before + 1


@pytest.mark.parametrize("strict", [False, True])
def test_a_decorated_handler_in_an_outage_is_fast_and_warns_once_per_streak(
    strict: bool,
    lambda_metadata_endpoint: MetadataEndpoint,
    fake_clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    @lambda_metadata.inject_az(strict=strict, timeout=5)
    def handler(event: object, context: object) -> object:
        return lambda_metadata.metadata_of(context)

    def invoke() -> object:
        try:
            return handler({}, lambda_context())
        except MetadataHTTPError as exc:  # strict mode raises instead of calling the handler
            assert strict
            return exc.status_code

    failed = 404 if strict else None
    lambda_metadata_endpoint.impair(status=404)  # never retried: one request per attempt
    with caplog.at_level(logging.WARNING, logger="lambda_metadata"):
        assert invoke() == failed
        started = time.perf_counter()
        assert [invoke() for _ in range(200)] == [failed] * 200
        per_invocation = (time.perf_counter() - started) / 200
        fake_clock.advance(0.6)
        assert [invoke() for _ in range(51)] == [failed] * 51  # the next attempt, its window
        assert lambda_metadata_endpoint.request_count == 2, "one request per later window"
        for _ in range(2):  # each clear starts a new streak, which warns again
            clear_metadata_cache()
            assert invoke() == failed
    assert per_invocation < 0.002, f"{per_invocation * 1e3:.3f} ms per invocation"
    warnings_logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings_logged) == (0 if strict else 3)
    assert all("MetadataHTTPError" in message for message in warnings_logged)
    lambda_metadata_endpoint.heal()
    fake_clock.advance(1)
    assert isinstance(invoke(), LambdaMetadata)


def test_the_caching_page_says_the_runtime_forks_before_importing_the_handler() -> None:
    # tests/test_managed_instances.py checks the fact with the real runtime (two init pids).
    page = (Path(__file__).resolve().parent.parent / "docs" / "caching.md").read_text()
    section = page.partition("## Forked processes")[2].partition("\n## ")[0]
    assert "before it imports your function" in section
    assert "Managed Instances fork one worker per concurrent request slot" not in section


# -- waiting behind a held answer (found by mutation testing) -----------------------------------


def _wait_for(condition: Callable[[], bool]) -> None:
    """Poll ``condition`` every 10 ms; fail if it does not hold within 5 s."""
    deadline = time.monotonic() + 5
    while not condition():
        assert time.monotonic() < deadline, "not within 5 s"
        time.sleep(0.01)


@pytest.mark.parametrize("older_last", [False, True], ids=["older-lands-first", "older-last"])
@pytest.mark.parametrize(
    ("clear", "refresh"),
    [(True, True), (True, False), (False, True)],
    ids=["clear-then-refresh", "clear-then-plain-call", "refresh-alone"],
)
def test_only_the_newest_request_is_stored_and_joined_each_follower_within_its_deadline(
    clear: bool, refresh: bool, older_last: bool, raw_server: Callable[..., RawServer]
) -> None:
    gates = [threading.Event() for _ in range(3)]
    count = itertools.count()

    def held(conn: socket.socket) -> None:
        """Answer connection N (from 0) ``use1-az<N+1>``, once ``gates[N]`` is set."""
        number = next(count)
        read_request(conn)
        gates[number].wait(5)
        conn.sendall(json_body(b'{"AvailabilityZoneID": "use1-az%d"}' % (number + 1)))

    server = raw_server(held)
    with ThreadPoolExecutor(3) as pool:
        calls = [pool.submit(get_lambda_metadata, timeout=5)]
        _wait_for(lambda: server.connections == 1)
        if clear:
            clear_metadata_cache()  # the before-snapshot hook, say
        calls.append(pool.submit(get_lambda_metadata, refresh=refresh, timeout=5))
        _wait_for(lambda: server.connections == 2)
        started = time.monotonic()  # a follower of the newer fetch, on its own deadline
        with pytest.raises(MetadataTimeoutError, match=r"did not finish within 0\.3 s"):
            get_lambda_metadata(timeout=0.3)
        assert 0.25 < time.monotonic() - started < 2
        first, last = (1, 0) if older_last else (0, 1)
        gates[first].set()
        calls[first].result(5)
        calls.append(pool.submit(get_lambda_metadata, timeout=5))  # joins the newer fetch
        time.sleep(0.2)
        gates[last].set()
        gates[2].set()  # a third request would have its answer, but none is made
        got = [call.result(5).availability_zone_id for call in calls]
    assert got == ["use1-az1", "use1-az2", "use1-az2"]  # older, newer, the late follower
    assert get_lambda_metadata().availability_zone_id == "use1-az2", "the older answer is not kept"
    assert server.connections == 2
