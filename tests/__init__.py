"""Tests of the WhatsMiner integration, its client and its simulator."""
