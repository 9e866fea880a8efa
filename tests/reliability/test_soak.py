"""The short soak: 50 miners, random faults, about three token lifetimes of simulated time.

The long run is `bench/run soak` (bench/soak.py); both use tests/reliability/soak_run.py.
"""

from __future__ import annotations

import asyncio

from .soak_run import soak, token_bound


async def test_soak_sockets_tokens_and_memory_stay_bounded(socket_enabled: None) -> None:
    # phcc runs tests with asyncio debug on; it makes 50 concurrent polls several times
    # slower than in production, which would turn the short client timeouts into failures
    asyncio.get_running_loop().set_debug(False)
    report = await soak(miners=50, rounds=30, step_s=180.0)
    summary = report.summary()
    print(summary)

    assert report.token_lifetimes >= 3
    assert not report.unexpected, report.unexpected[:3]
    assert report.fault_switches > 10, "the soak switched too few faults to mean anything"
    assert 0 < report.failed_polls < report.polls
    assert report.recovered, "a miner stayed unreadable after its fault was cleared"
    # sockets: nothing piles up between rounds
    assert report.fd_growth <= 2, report.fds
    assert report.fd_spread <= 10, report.fds
    # tokens: reused for their lifetime, never more than the old and the renewed one live
    assert max(report.tokens_issued) <= token_bound(report), report.tokens_issued
    assert report.max_live_tokens <= 2
    # memory: flat after the warm-up, our code's allocations and everything in the process
    assert report.client_memory_growth < 32 * 1024, summary
    assert report.memory_growth < 512 * 1024, summary
