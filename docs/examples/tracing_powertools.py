"""Annotate X-Ray traces with the AZ ID, through Powertools' Tracer.

Needs ``pip install "lambda-metadata[tracer]"`` (Powertools with its ``[tracer]`` extra, which
brings aws-xray-sdk) and active tracing on the function.
"""

from __future__ import annotations

from aws_lambda_powertools import Tracer

from lambda_metadata.tracing import annotate_tracer

tracer = Tracer(service="orders")


@tracer.capture_lambda_handler
def handler(event: dict[str, object], context: object) -> str:
    annotate_tracer(tracer)  # on the "## handler" subsegment: annotation.availability_zone_id
    return "ok"
