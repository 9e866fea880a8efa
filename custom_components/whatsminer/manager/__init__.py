"""The power manager: one budget (solar surplus, price, heat demand) spread across miners.

Pure parts (no Home Assistant): allocation.py (who runs at what power), budget.py (how much
power), power.py (watts to the miner's scale, restarts), pi.py (the heating loop).
Home Assistant glue: setup.py (entry setup), core.py (the manager), flow.py (config and
options flows), entity modules and diagnostics.
"""
