"""The device core: its state (device.py), its sessions, the compiler from configuration to fast-path
tables, simulated traffic and capture replay. It knows none of its front ends (exec, aaa, io)."""
