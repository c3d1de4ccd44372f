"""Messaging: transactional email (and, later, other channels) sent through the task queue.

A use case that wants an email sent records an ``EmailRequested`` event (``QueueEmail``, or
``request_email`` + ``uow.publish`` inside its own transaction); the outbox hands it to a
worker, which renders and sends it with ``SendRequestedEmail``.
"""
