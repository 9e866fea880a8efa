"""Asyncio client for the MicroBT WhatsMiner APIs v2.0.5 (TCP 4028) and v3 (TCP 4433).

No Home Assistant imports. `miner` is the interface, `v2/` and `v3/` its two backends, `auto`
detects which one a miner speaks (`AutoMiner`); `python -m` runs the command line.
"""
