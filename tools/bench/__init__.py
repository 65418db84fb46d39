"""The benchmarks behind `qfp bench`: the workload table, the named scenarios, the line-rate goals
beside DPDK, and what they are measured on (workloads, ACL workloads, the numpy baseline)."""
