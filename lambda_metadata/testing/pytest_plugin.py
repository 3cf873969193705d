"""pytest plugin, registered through the ``pytest11`` entry point: the fixtures
``lambda_metadata_endpoint``, ``no_lambda_metadata`` and ``lambda_metadata_clock``."""

from collections.abc import Iterator

import pytest

from .._cache import clear_metadata_cache
from .._constants import API_ENV, TOKEN_ENV
from ._clock import FakeClock
from ._emulator import MetadataEndpoint


@pytest.fixture(scope="session")
def _lambda_metadata_server() -> Iterator[MetadataEndpoint]:
    with MetadataEndpoint() as endpoint:
        yield endpoint


@pytest.fixture
def lambda_metadata_endpoint(
    _lambda_metadata_server: MetadataEndpoint, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MetadataEndpoint]:
    """A running ``MetadataEndpoint`` answering ``use1-az1``, both variables pointing at it,
    and the endpoint reset and the cache cleared before and after the test."""
    endpoint = _lambda_metadata_server
    endpoint.reset()
    for name, value in endpoint.environ.items():
        monkeypatch.setenv(name, value)
    clear_metadata_cache()
    yield endpoint
    clear_metadata_cache()
    endpoint.reset()


@pytest.fixture
def no_lambda_metadata(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Remove the endpoint's variables and clear the cache, as outside Lambda."""
    monkeypatch.delenv(API_ENV, raising=False)
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    clear_metadata_cache()
    yield
    clear_metadata_cache()


@pytest.fixture
def lambda_metadata_clock() -> Iterator[FakeClock]:
    """A ``FakeClock`` the cache reads its expiries and fail-fast windows from, for the test:
    ``advance(seconds)`` moves past them without sleeping."""
    with FakeClock() as clock:
        yield clock
