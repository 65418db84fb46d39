"""qfp_model.control: the control plane over the fast path (qfp_model.qfp), in rooms.

    headend.py  the composition root: makes the device, the CoA service, the commands and the IO
    core/       the device: configuration, sessions, compilation to fast-path tables, traffic, replay
    config/     the IOS configuration: model, parser, running-config
    grammar/    the IOS command grammar both languages (exec and config) are parsed with
    radius/     RFC 5176 dynamic authorization without IO: packets, the server's checks, the trace
    aaa/        the AAA registry, its IKEv2 component, the CoA service over a device
    exec/       the exec commands, a user's terminal, the interactive shell
    show/       the everyday show commands: structured twins and IOS XE text
    io/         every socket: the control socket, the RADIUS UDP listener, their loop

It reaches the fast path only through qfp_model.qfp; nothing here imports the user tools above it
(qfp_model.tools)."""
