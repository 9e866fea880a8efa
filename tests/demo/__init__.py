"""The demo end to end (scripts/develop in a browser); run by scripts/test_demo."""
