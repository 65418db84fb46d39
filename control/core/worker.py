"""The traffic worker: a served device runs its simulated traffic on a thread of its own, batch by
batch, so that its event loop goes on answering RADIUS and the CLI meanwhile.

The fast path releases the GIL while it processes a batch, so the loop thread runs Python (a CoA,
a show command) while the worker thread runs C. A chunk is made, processed and counted on the
worker; only merging its counts and moving the device's clock happen back on the loop, where
everything else that touches the device happens: the device still sees one caller at a time. One
worker thread, so that a
UIDB's packets are never processed by two threads at once (its policers' buckets are its own), and
runs from several clients take turns batch by batch.

A run is cancelled between batches (the client went away, Ctrl-C, SIGTERM): the batch in the fast
path finishes, the device's clock and counters stay where it got, and nothing after it is sent.
Outside a served device (scripts, tests, regression cases) there is no loop, and a run goes to its
end inline (traffic.run_to_end).
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .traffic import TrafficResult, TrafficRun


class TrafficWorker:
    def __init__(self) -> None:
        self._executor: ThreadPoolExecutor | None = None

    @property
    def serving(self) -> bool:
        """Whether runs go to the worker thread (the device is served on an event loop)."""
        return self._executor is not None

    def start(self) -> None:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qfp-traffic")

    def stop(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    async def run(self, run: TrafficRun, process: Callable[[np.ndarray], np.ndarray]) -> TrafficResult:
        """Drive `run` to its end, each chunk (made, processed, counted) on the worker thread."""
        loop = asyncio.get_running_loop()
        try:
            chunk = next(run)
            while True:
                chunk = run.send(await loop.run_in_executor(self._executor, chunk, process))
        except StopIteration as done:
            return done.value
        finally:
            run.close()
