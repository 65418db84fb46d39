"""The AAA component registry: where a verified CoA-Request or Disconnect-Request goes.

Components register in order (IKEv2 at start-up, as the seed's prerequisite says). A request is
offered to each in turn; the first that claims it consumes it and no other sees it. A component
answers `offer(request)` with False (not mine), True (mine, applied: ACK), or raises PeerNak
(mine, refused). When none claims it the request is NAKed with Session-Context-Not-Found (503).

The `debug aaa coa` attribute list (`++++++ CoA Attribute List ++++++`) is printed here, before the
request is offered, as IOS's AAA prints it before handing the request on.
"""
from __future__ import annotations

from typing import Protocol

from ..errors import PeerNak
from ..radius import CoaRequest
from ..radius.packet import Attribute
from ..radius.trace import COA, Line, value_text

# IOS's internal AAA attribute numbers, as the CoA Attribute List prints them. The seed shows
# audit-session-id, interface-config, sub-qos-policy-in and -out; the others are the model's own
# numbering, in the same style, until a device capture gives the real ones.
AAA_ATTRIBUTE_IDS = {
    "audit-session-id": 819, "interface-config": 222, "sub-qos-policy-in": 421,
    "sub-qos-policy-out": 423, "sub-policy-in": 420, "sub-policy-out": 422, "inacl": 42,
    "outacl": 43,
}
# The flags column: the seed prints 0x89 for the session key and 0x81 for the others.
FLAGS_SESSION_KEY, FLAGS_OTHER = 0x89, 0x81
# The address column is where IOS keeps the attribute: the device's own allocation. The model
# hands out addresses in the seed's heap and stride so the layout reads the same.
ATTRIBUTE_HEAP, ATTRIBUTE_STRIDE = 0x421C9584, 0x34


class Component(Protocol):
    name: str

    def offer(self, request: CoaRequest) -> bool: ...


class Registry:
    def __init__(self) -> None:
        self.components: list[Component] = []
        self._next_slot = 0

    def register(self, component: Component) -> None:
        self.components.append(component)

    def dispatch(self, request: CoaRequest) -> Component:
        """The component that consumed `request` (it ACKs); raises PeerNak for a NAK."""
        for component in self.components:
            if component.offer(request):
                return component
        raise PeerNak(503, "no session matches the request's identification")

    def attribute_list(self, request: CoaRequest) -> list[Line]:
        lines = [(COA, "++++++ CoA Attribute List ++++++")]
        for attribute in request.attributes:
            name, value = av_name_value(attribute)
            key = name.split(":")[-1]
            number = AAA_ATTRIBUTE_IDS.get(key.lower(), attribute.type if attribute.vendor is None else 0)
            flags = FLAGS_SESSION_KEY if key == "audit-session-id" else FLAGS_OTHER
            address = ATTRIBUTE_HEAP + ATTRIBUTE_STRIDE * (self._next_slot % 4096)
            self._next_slot += 1
            lines.append((COA, f"{address:08X} 0 {flags:08X} {key}({number}) {len(value)} {value}"))
        lines.append((COA, ""))
        return lines


def av_name_value(attribute: Attribute) -> tuple[str, str]:
    """A Cisco AV pair as (`ip:interface-config`, `service-policy input pol`); any other attribute
    as (its dictionary name, its value as text)."""
    if attribute.is_cisco_avpair:
        name, _, value = attribute.text.partition("=")
        return name.strip(), value.strip()
    return attribute.name, value_text(attribute).strip('"')
