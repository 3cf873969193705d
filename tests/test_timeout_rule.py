"""Every public function that takes a ``timeout`` applies the one rule of ``_timeout``."""

from __future__ import annotations

import math
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

import lambda_metadata
from lambda_metadata import cli
from lambda_metadata.az_names import get_availability_zone_name
from lambda_metadata.errors import InvalidArgumentError, LambdaMetadataError
from lambda_metadata.snapstart import refresh_after_restore
from lambda_metadata.testing import MetadataEndpoint
from lambda_metadata.tracing import annotate_tracer, set_span_availability_zone

BAD = [0, 0.0, -1, -1.0, True, False, math.nan, math.inf, -math.inf, "1", None, 86400.5, 86401]
BAD += [10**400]
NAMED = r"^(timeout|inject_az\(timeout=\.\.\.\)) "  # the argument, named first
RULE = NAMED + r"must be a positive, finite number of seconds \(at most 86400\)"
METADATA = lambda_metadata.LambdaMetadata.from_response({"AvailabilityZoneID": "use1-az1"})


_TRACER = SimpleNamespace(disabled=False, put_annotation=lambda key, value: None)
_SPAN = SimpleNamespace(is_recording=lambda: True, set_attribute=lambda key, value: None)

CALLS: dict[str, Callable[[Any], object]] = {
    "get_lambda_metadata": lambda t: lambda_metadata.get_lambda_metadata(timeout=t),
    "get_lambda_metadata(refresh)": lambda t: lambda_metadata.get_lambda_metadata(
        refresh=True, timeout=t
    ),
    "get_availability_zone_name": lambda t: get_availability_zone_name(timeout=t),
    "inject_az": lambda t: lambda_metadata.inject_az(timeout=t),
    "refresh_after_restore": lambda t: refresh_after_restore(timeout=t),
    # with the metadata given and a disabled tracer, nothing else would look at the timeout
    "annotate_tracer": lambda t: annotate_tracer(
        SimpleNamespace(disabled=True, put_annotation=None), metadata=METADATA, timeout=t
    ),
    "annotate_tracer(tracer)": lambda t: annotate_tracer(_TRACER, metadata=METADATA, timeout=t),
    "set_span_availability_zone": lambda t: set_span_availability_zone(
        _SPAN,  # type: ignore[arg-type]
        metadata=METADATA,
        timeout=t,
    ),
}


@pytest.mark.parametrize("timeout", BAD, ids=lambda value: repr(value)[:12])
def test_a_bad_timeout_is_refused_everywhere_even_with_a_value_cached(
    timeout: Any, lambda_metadata_endpoint: MetadataEndpoint
) -> None:
    lambda_metadata.get_lambda_metadata()
    for name, call in CALLS.items():
        with pytest.raises(InvalidArgumentError, match=RULE) as caught:
            call(timeout)
        assert isinstance(caught.value, ValueError), name
        assert isinstance(caught.value, LambdaMetadataError), name
    assert lambda_metadata_endpoint.request_count == 1


@pytest.mark.parametrize("text", ["0", "-1", "nan", "inf", "-inf", "86401", "soon", ""])
def test_the_cli_applies_the_same_rule(text: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(["get", "--timeout", text])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "usage: lambda-metadata get" in err
    assert "--timeout" in err
    if text not in ("soon", "", "-inf"):  # argparse reads "-inf" as an option
        assert "at most 86400" in err


class _ReprRaises(float):
    def __repr__(self) -> str:
        raise RuntimeError("a __repr__ that fails")


@pytest.mark.parametrize(
    ("timeout", "shown"),
    [(10**5000, "an int of 16610 bits"), (_ReprRaises(-1), "a _ReprRaises"), ("x" * 500, "'xxx")],
    ids=["huge-int", "repr-raises", "long-string"],
)
def test_a_value_that_cannot_be_shown_still_gives_the_typed_error(
    timeout: object, shown: str
) -> None:
    # repr(10**5000) raises ValueError (the int-to-str digit limit): it must not replace ours.
    with pytest.raises(InvalidArgumentError) as caught:
        lambda_metadata.get_lambda_metadata(timeout=timeout)  # type: ignore[arg-type]
    assert shown in str(caught.value)
    assert len(str(caught.value)) < 200
