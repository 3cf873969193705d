"""Same-AZ ordering: a property over generated candidates of each kind, and the documented cases."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from lambda_metadata import MetadataUnavailableError
from lambda_metadata.same_az import order_by_availability_zone
from lambda_metadata.testing import MetadataEndpoint


def node(index: int, zone: str | None) -> SimpleNamespace:
    """A candidate endpoint tagged with its zone, as a user would model one."""
    return SimpleNamespace(index=index, availability_zone_id=zone)


# how a candidate carries its zone, and the key= that reads it (None: the default)
KINDS: dict[str, tuple[Any, Any]] = {
    "attribute": (node, None),
    "item": (lambda index, zone: {"index": index, "availability_zone_id": zone}, None),
    "key": (lambda index, zone: (index, zone), lambda pair: pair[1]),
}


@pytest.mark.parametrize("kind", KINDS)
def test_same_zone_first_stable_a_permutation_deterministic_and_idempotent(kind: str) -> None:
    # hypothesis is imported here, not at collection: under pytest its whole package is
    # assertion-rewritten (about 1.3 s of CPU in each worker of a fresh checkout)
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    make, key = KINDS[kind]
    zones = st.sampled_from(["use1-az1", "use1-az2", "use1-az4", "us-east-1a"]) | st.none()

    # no deadlines or health checks: a loaded machine makes data generation slow
    @settings(deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        tags=st.lists(zones, max_size=30),
        zone=st.sampled_from(["use1-az1", "use1-az2", "use1-az9"]),
    )
    def check(tags: list[str | None], zone: str) -> None:
        candidates = [make(index, tag) for index, tag in enumerate(tags)]
        ordered = order_by_availability_zone(iter(candidates), zone=zone, key=key)  # any iterable

        same = [make(index, tag) for index, tag in enumerate(tags) if tag == zone]
        other = [make(index, tag) for index, tag in enumerate(tags) if tag != zone]
        assert ordered == same + other  # each group in the given order
        assert order_by_availability_zone(candidates, zone=zone, key=key) == ordered
        assert order_by_availability_zone(ordered, zone=zone, key=key) == ordered

    check()


def test_defaults_to_this_environments_zone(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    lambda_metadata_endpoint.availability_zone_id = "use1-az2"
    candidates = [node(0, "use1-az1"), node(1, "use1-az2")]

    assert order_by_availability_zone(candidates) == [candidates[1], candidates[0]]
    assert order_by_availability_zone([], zone="use1-az1") == []


@pytest.mark.parametrize(
    ("candidates", "zone", "error", "match"),
    [
        ([object()], "use1-az1", TypeError, "key="),  # untagged: they need a key
        ([{"az_id": "use1-az1"}], "use1-az1", TypeError, "key="),
        ("use1-az1", "use1-az1", TypeError, "not a single string"),
        ([], "", ValueError, "zone"),
        ([], "  ", ValueError, "zone"),
        ([], 3, ValueError, "zone"),
        ([node(0, "use1-az1")], None, MetadataUnavailableError, "Lambda"),  # outside it, no zone=
    ],
)
def test_bad_arguments(
    no_lambda_metadata: None, candidates: Any, zone: Any, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        order_by_availability_zone(candidates, zone=zone)
