"""Lyceum's pure-Python core: domain model and use cases. Standard library only."""
