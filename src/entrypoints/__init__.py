"""Entrypoints: HTTP (Litestar), gRPC, CLI (Typer) and taskiq workers, wired by bootstrap."""
