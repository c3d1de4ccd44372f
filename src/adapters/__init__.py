"""Adapters: real implementations of the ports (databases, caches, brokers, providers)."""
