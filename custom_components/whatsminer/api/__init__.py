"""Asyncio client for the MicroBT WhatsMiner API v2.0.5 (no Home Assistant imports)."""
