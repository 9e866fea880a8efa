"""Start time of the command line: `python -m custom_components.whatsminer.api --help` and a
bare `import custom_components.whatsminer.api.__main__`, median wall time of N runs.

    bench/.venv/bin/python bench/cli_start.py [TREE ...] [--runs N]

TREE is a source tree (default: this repository), e.g. an older commit unpacked with
`git archive <commit> custom_components | tar -x -C /tmp/before`; several trees are measured
alternately, so they see the same machine load. Uses the interpreter that runs it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
import statistics
import subprocess
import sys
import time

REPO = Path(__file__).resolve().parent.parent
COMMANDS = {
    "--help": ["-m", "custom_components.whatsminer.api", "--help"],
    "import": ["-c", "import custom_components.whatsminer.api.__main__"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("trees", nargs="*", type=Path, default=[REPO])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    times: dict[tuple[Path, str], list[float]] = {}
    for _ in range(args.runs):
        for tree in args.trees:
            for name, argv in COMMANDS.items():
                start = time.perf_counter()
                subprocess.run(
                    [sys.executable, *argv], cwd=tree, stdout=subprocess.DEVNULL, check=True
                )
                times.setdefault((tree, name), []).append(time.perf_counter() - start)
    for (tree, name), values in times.items():
        print(
            f"{tree}  {name:7} median {statistics.median(values) * 1000:6.0f} ms"
            f"  min {min(values) * 1000:6.0f} ms  ({len(values)} runs)"
        )


if __name__ == "__main__":
    main()
