from lambda_metadata import get_lambda_metadata


def handler(event: dict[str, object], context: object) -> str:
    return get_lambda_metadata().availability_zone_id  # "use1-az1"
