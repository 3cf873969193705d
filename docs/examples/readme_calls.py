from lambda_metadata import (
    LambdaMetadataError,
    clear_metadata_cache,
    get_lambda_metadata,
)

md = get_lambda_metadata()  # fetched once, then served from the cache
zone = md.availability_zone_id  # "use1-az1"
fields = md.raw  # the whole response, read-only (future fields included)
get_lambda_metadata(refresh=True)  # bypass the cache and replace it
get_lambda_metadata(timeout=0.5)  # overall deadline in seconds, retries included
clear_metadata_cache()

try:
    get_lambda_metadata()
except LambdaMetadataError as error:  # typed subclasses; error.status_code; never the token
    print(f"no AZ: {error}")
