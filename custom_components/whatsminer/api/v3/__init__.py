"""API v3 (TCP 4433): framing, auth (salt, token, AES params), parsers, client and miner."""
