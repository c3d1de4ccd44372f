"""gRPC entrypoint for mobile clients: ``server.start_grpc_server`` is its only public door.

Protos live in proto/lyceum/<context>/v1/; their Python code in ``generated`` is produced by
``uv run python tools/gen_proto.py`` and committed.
"""
