"""API v2.0.5 (TCP 4028): transport, envelopes, parsers, crypto and the command client."""
