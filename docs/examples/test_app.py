from app import handler  # the handler above, saved as app.py

from lambda_metadata.testing import MetadataEndpoint, lambda_context


def test_handler(lambda_metadata_endpoint: MetadataEndpoint) -> None:
    lambda_metadata_endpoint.availability_zone_id = "euw1-az2"
    assert handler({}, lambda_context()) == "euw1-az2"
