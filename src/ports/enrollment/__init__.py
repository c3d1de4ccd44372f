"""Ports of the enrollment context."""
