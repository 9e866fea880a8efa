"""API v3 (TCP 4433) over the shared miner state: framing, auth, reads, writes, server."""

from .server import V3Server

__all__ = ["V3Server"]
