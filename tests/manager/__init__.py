"""Tests of the power manager."""
