"""An asyncio loop on a thread of its own, for a foreground that is not async: the in-process shell
of `qfp run` at a terminal, a regression case's CoA listener. Every call a LoopTarget makes runs on
that loop's thread, between the loop's other work (the control socket's clients, RADIUS datagrams),
so the device still sees one caller at a time."""
from __future__ import annotations

import asyncio
import inspect
import threading


class BackgroundLoop:
    """An event loop on a thread of its own, for a foreground that is not async (the in-process shell)."""

    def __init__(self, name: str = "qfp-loop") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)

    def start(self) -> BackgroundLoop:
        self._thread.start()
        return self

    def run(self, coroutine):
        """Run a coroutine on the loop and wait for its result. Interrupted here (Ctrl-C, or
        SIGTERM's exit), the coroutine is cancelled there, not left running."""
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        try:
            return future.result()
        except BaseException:
            future.cancel()
            raise

    def call(self, fn, *args):
        """Run fn(*args) on the loop's thread, between the loop's other work, and wait for it."""
        async def call():
            return fn(*args)
        return self.run(call())

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join()
        self.loop.close()


class LoopTarget:
    """A target whose calls run on a BackgroundLoop, serialised with the socket's clients."""

    def __init__(self, target, background: BackgroundLoop):
        self.target = target
        self.background = background

    def execute(self, line: str) -> str:
        return self.background.run(self._execute(line))

    async def _execute(self, line: str) -> str:
        output = self.target.execute(line)
        return await output if inspect.isawaitable(output) else output

    def complete(self, line: str) -> list[str]:
        return self.background.call(self.target.complete, line)

    def help(self, line: str) -> list[tuple[str, str]]:
        return self.background.call(self.target.help, line)

    def prompt(self) -> str:
        return self.background.call(self.target.prompt)
