"""Peers measured beside our fast path in the same process: DPDK's rte_acl and rte_meter
(dpdk.py drives dpdk_peer.c, which ships here as package data)."""
