"""Order candidate endpoints (cache nodes, read replicas) so those in this AZ come first."""

from ._same_az import order_by_availability_zone

__all__ = ["order_by_availability_zone"]

order_by_availability_zone.__module__ = __name__
