"""API v2 (TCP 4028) over the shared miner state: envelopes, tokens, reads, writes, server."""

from .server import V2Server

__all__ = ["V2Server"]
