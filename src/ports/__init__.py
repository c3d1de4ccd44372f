"""Interfaces (typing.Protocol) and plain data the core needs from the outside world."""
