"""API v2 (TCP 4028) over the shared miner state: envelopes, tokens, reads, writes, render."""
