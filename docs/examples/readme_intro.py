from lambda_metadata import get_lambda_metadata


def handler(event, context):
    return get_lambda_metadata().availability_zone_id  # "use1-az1"
