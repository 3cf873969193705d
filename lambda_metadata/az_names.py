"""This account's AZ name (``us-east-1a``) for the current AZ ID, resolved once through EC2.

Needs the ``ec2`` extra (boto3, imported on first use) and the
``ec2:DescribeAvailabilityZones`` permission (``EC2_PERMISSION``). The AZ ID
itself needs neither: see ``lambda_metadata.get_lambda_metadata``. Errors:
``AvailabilityZoneNameError`` and its subclasses in ``lambda_metadata.errors``.
"""

from ._az_name import EC2_PERMISSION, cached_availability_zone_name, get_availability_zone_name

__all__ = ["EC2_PERMISSION", "cached_availability_zone_name", "get_availability_zone_name"]

cached_availability_zone_name.__module__ = get_availability_zone_name.__module__ = __name__
