"""control: the control plane over the fast path (qfp): sessions, RADIUS CoA, IOS config, the device
and the `qfp` command (control.cli). It reaches the fast path only through qfp, never the reverse."""
