"""AAA for RADIUS dynamic authorization: the component registry a verified request is offered to,
the IKEv2 component that applies a CoA to a session, and the service that runs the sans-IO server
(control/radius/) over a device."""
