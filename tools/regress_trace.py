"""A regression case's `trace = true`: the packet trace of a traffic or replay step, kept until a later
expectation fails and then printed beside the difference, as IOS XE prints it (`show platform
packet-trace packet N`, and the statistics line by line).

Which packets explain a difference: when the expectation is about drops or forwards, the dropped
ones (of the drop reason it names, if it names one); otherwise the first ones traced."""
from __future__ import annotations

from qfp_model.control.core.packet_trace import Condition
from qfp_model.control.show import packet_trace as show
from qfp_model.qfp import packets as P
from qfp_model.qfp.trace import TRACE_MAX, TraceRecord, TraceStats

SHOWN = 2   # packets printed in full; the statistics count the rest
REASON_WORDS = {"acl": P.REASON_ACL, "police": P.REASON_POLICE, "queue": P.REASON_QUEUE,
                "priority": P.REASON_PRIORITY}


class TracedStep:
    """The records of the last traced step."""

    def __init__(self) -> None:
        self.records: list[TraceRecord] = []
        self.stats: TraceStats | None = None
        self._on = False

    def start(self, device, on: bool) -> None:
        self._on = on
        if not on:
            return
        trace = device.packet_trace
        trace.clear_conditions()
        trace.add(Condition(direction="both"))   # every packet the step sends
        device.fp.trace_config(TRACE_MAX, False)
        trace.started = True

    def stop(self, device) -> None:
        if not self._on:
            return
        device.packet_trace.clear_conditions()
        self.records = device.fp.trace_read()
        self.stats = device.fp.trace_stats()
        device.fp.trace_config(0)
        self._on = False

    def explain(self, device, mismatch) -> str:
        """The trace beside `mismatch` (a failed expectation), or "" when nothing was traced."""
        if self.stats is None:
            return ""
        chosen = self._chosen(mismatch.what)
        text = "packet trace of the last traced step:\n"
        text += show.render_statistics(show.statistics_data(self.stats))
        text += show.render_packets([show.packet_data(device, r) for r in chosen[:SHOWN]])
        if len(chosen) > SHOWN:
            text += f"({len(chosen) - SHOWN} more packets like these were traced)\n"
        return text

    def _chosen(self, what: str) -> list[TraceRecord]:
        words = what.lower()
        if "drop" in words or "forward" in words:
            reason = next((r for word, r in REASON_WORDS.items() if f"dropped_{word}" in words), None)
            dropped = [r for r in self.records if r.outcome("action") == P.DROP
                       and (reason is None or r.outcome("reason") == reason)]
            if dropped:
                return dropped
        return self.records
