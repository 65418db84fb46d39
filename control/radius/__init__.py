"""RADIUS Dynamic Authorization (RFC 5176) for the headend: the sans-IO server (das), its packets
over pyrad and the dictionary shipped here (packet), the debug trace (trace), and the asyncio UDP
listener (listener, the only module here that touches a socket)."""
from .das import CoaRequest, Decision, Dispatch, Drop, DynamicAuthorServer, NasIdentity, Send

__all__ = ["CoaRequest", "Decision", "Dispatch", "Drop", "DynamicAuthorServer", "NasIdentity", "Send"]
