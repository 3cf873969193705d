"""Same-AZ ordering: properties over generated candidates, and the documented cases."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from lambda_metadata import MetadataUnavailableError
from lambda_metadata.same_az import order_by_availability_zone
from lambda_metadata.testing import MetadataEndpoint

if TYPE_CHECKING:
    from collections.abc import Callable

    from hypothesis.strategies import SearchStrategy


@dataclass(frozen=True)
class Node:
    """A candidate endpoint tagged with its zone, as a user would model one."""

    index: int
    availability_zone_id: str | None


# hypothesis is imported by the property tests themselves, not at collection: under pytest its
# whole package is assertion-rewritten (it ships a pytest plugin), about 1.3 s of CPU in each
# worker of a fresh checkout, and only the workers that run these tests need it.


def _zones() -> SearchStrategy[str | None]:
    from hypothesis import strategies as st

    return st.sampled_from(["use1-az1", "use1-az2", "use1-az4", "us-east-1a"]) | st.none()


def _nodes() -> SearchStrategy[list[Node]]:
    from hypothesis import strategies as st

    return st.lists(_zones(), max_size=30).map(
        lambda zones: [Node(index, zone) for index, zone in enumerate(zones)]
    )


def _zone(*zones: str) -> SearchStrategy[str]:
    from hypothesis import strategies as st

    return st.sampled_from(zones)


def _given(**strategies: Any) -> Callable[[Callable[..., None]], Callable[[], None]]:
    """``hypothesis.given`` without deadlines or health checks: a loaded machine makes data
    generation slow, which is no failure of the code under test."""
    from hypothesis import HealthCheck, given, settings

    def apply(check: Callable[..., None]) -> Callable[[], None]:
        relaxed = settings(deadline=None, suppress_health_check=list(HealthCheck))
        wrapped: Callable[[], None] = relaxed(given(**strategies)(check))
        return wrapped

    return apply


def test_same_zone_first_stable_a_permutation_deterministic_and_idempotent() -> None:
    @_given(candidates=_nodes(), zone=_zone("use1-az1", "use1-az2", "use1-az9"))
    def check(candidates: list[Node], zone: str) -> None:
        ordered = order_by_availability_zone(iter(candidates), zone=zone)  # any iterable

        in_zone = [node.availability_zone_id == zone for node in ordered]
        assert in_zone == sorted(in_zone, reverse=True)  # every match before every non-match
        assert Counter(ordered) == Counter(candidates)  # nothing lost or repeated
        assert len(ordered) == len(candidates)
        same = [node.index for node in ordered if node.availability_zone_id == zone]
        other = [node.index for node in ordered if node.availability_zone_id != zone]
        assert same == sorted(same)  # stable within each group
        assert other == sorted(other)
        if not any(in_zone):
            assert ordered == candidates  # no match keeps the original order
        assert order_by_availability_zone(candidates, zone=zone) == ordered
        assert order_by_availability_zone(ordered, zone=zone) == ordered

    check()


def test_custom_key_on_tuples() -> None:
    from hypothesis import strategies as st

    @_given(pairs=st.lists(st.tuples(st.integers(), _zones()), max_size=20))
    def check(pairs: list[tuple[int, str | None]]) -> None:
        ordered = order_by_availability_zone(pairs, zone="use1-az2", key=lambda pair: pair[1])

        expected = [p for p in pairs if p[1] == "use1-az2"]
        expected += [p for p in pairs if p[1] != "use1-az2"]
        assert ordered == expected

    check()


def test_mappings_use_their_availability_zone_id_item() -> None:
    replicas = [
        {"host": "a", "availability_zone_id": "use1-az4"},
        {"host": "b", "availability_zone_id": "use1-az1"},
    ]

    assert [r["host"] for r in order_by_availability_zone(replicas, zone="use1-az1")] == ["b", "a"]


def test_defaults_to_this_environments_zone(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    lambda_metadata_endpoint.availability_zone_id = "use1-az2"
    candidates = [Node(0, "use1-az1"), Node(1, "use1-az2")]

    assert order_by_availability_zone(candidates) == [candidates[1], candidates[0]]


def test_without_zone_outside_lambda_the_metadata_error_is_raised(
    no_lambda_metadata: None,
) -> None:
    with pytest.raises(MetadataUnavailableError):
        order_by_availability_zone([Node(0, "use1-az1")])


def test_empty_candidates_give_an_empty_list() -> None:
    assert order_by_availability_zone([], zone="use1-az1") == []


@pytest.mark.parametrize("candidate", [object(), {"az_id": "use1-az1"}])
def test_untagged_candidates_need_a_key(candidate: Any) -> None:
    with pytest.raises(TypeError, match="key="):
        order_by_availability_zone([candidate], zone="use1-az1")


def test_a_string_is_not_a_list_of_candidates() -> None:
    with pytest.raises(TypeError, match="not a single string"):
        order_by_availability_zone("use1-az1", zone="use1-az1")


@pytest.mark.parametrize("zone", ["", "  ", 3])
def test_bad_zone(zone: Any) -> None:
    with pytest.raises(ValueError, match="zone"):
        order_by_availability_zone([], zone=zone)
