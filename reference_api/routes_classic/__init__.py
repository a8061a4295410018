"""The classic dialect's HTTP surface: the core's operations (``reference_api/services``) in classic shapes."""
