"""The power manager drives a miner on API v3 firmware beside one on API v2, the same way."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant

from custom_components.whatsminer.manager.core import PowerManager
from simulator import MinerSimulator, SimClock

from .conftest import let_time_pass, miner_entry, setup_manager
from .test_manager import QUICK, _set_budget

V3_PASSWORD = "pw2026"


async def test_v3_miner_beside_a_v2_miner(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, socket_enabled: None
) -> None:
    """The v3 M60S (18 J/TH) runs first at full power, the v2 M30S+ (34 J/TH) takes the rest
    through its fast power percent; a smaller budget turns the v3 miner down through
    set.miner.power_percent and stops the v2 one, the v3 miner keeps mining throughout."""
    clock = SimClock(frozen=True)
    async with (
        MinerSimulator(profile="m30s_plus", clock=clock, seed=40) as v2_sim,
        MinerSimulator(
            profile="m60s", api="v3", password=V3_PASSWORD, clock=clock, seed=41
        ) as v3_sim,
    ):
        clock.advance(3600)  # tuned: v3 applies a percent only after tuning
        v2_miner, v3_miner = v2_sim.miners[0], v3_sim.miners[0]
        for miner in (v2_miner, v3_miner):
            miner.state.noise = False
        entries = [miner_entry(v2_miner, "admin"), miner_entry(v3_miner, V3_PASSWORD)]
        for entry in entries:
            entry.add_to_hass(hass)
            assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        assert entries[1].runtime_data.data.api == "v3"

        manager_entry = await setup_manager(hass, entries, **QUICK)
        manager: PowerManager = manager_entry.runtime_data
        await _set_budget(hass, 5500)
        # Started from the manager's first decision (budget 0: both stopped), then tuned.
        await let_time_pass(hass, freezer, 300, [v2_miner, v3_miner])
        assert v3_miner.state.mining and v2_miner.state.mining
        assert v3_miner.state.power_pct == 100
        assert 50 <= v2_miner.state.power_pct < 100

        await _set_budget(hass, 3000)
        await let_time_pass(hass, freezer, 60, [v2_miner, v3_miner])
        assert v3_miner.state.mining and not v2_miner.state.mining
        assert 80 <= v3_miner.state.power_pct < 100
        assert manager.plan is not None and manager.plan.allocated_w <= 3000

        for entry in [manager_entry, *entries]:
            if entry.state is ConfigEntryState.LOADED:
                await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
