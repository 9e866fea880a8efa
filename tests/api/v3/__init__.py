"""Tests of the API v3 backend (no Home Assistant needed)."""
