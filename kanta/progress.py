"""A small wrapper around tqdm for commands that run a fixed list of named steps.

The bar always writes to stderr so that stdout stays free for machine-readable
output (for example a JSON summary printed by a subcommand).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from tqdm import tqdm


class StepProgress:
    """Progress over a known sequence of steps, shown as one tqdm bar.

    Usage::

        progress = StepProgress(["load", "write"], desc="generate")
        with progress.step("load"):
            ...
        progress.close()
    """

    def __init__(self, steps: Sequence[str], desc: str, enabled: bool = True) -> None:
        self._steps = list(steps)
        self._bar = tqdm(
            total=len(self._steps),
            desc=desc,
            unit="step",
            file=sys.stderr,
            disable=not enabled,
            dynamic_ncols=True,
            leave=True,
        )

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Show `name` as the current step, and count it as done when the block ends."""
        self._bar.set_postfix_str(name, refresh=True)
        yield
        self._bar.update(1)

    def advance(self, name: str) -> None:
        """Count one step as done (for steps that finish in another thread or out of order)."""
        self._bar.set_postfix_str(name, refresh=False)
        self._bar.update(1)

    def close(self) -> None:
        """Finish the bar (shows the final state and releases the line)."""
        self._bar.set_postfix_str("done", refresh=False)
        self._bar.close()

    def __enter__(self) -> StepProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
