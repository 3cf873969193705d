import logging

from lambda_metadata import install_log_record_factory

install_log_record_factory()  # first, before any record is logged
logging.basicConfig(format="%(levelname)s az=%(availability_zone_id)s %(message)s")
logging.getLogger("app").warning("module loaded")  # "WARNING az=- module loaded"
