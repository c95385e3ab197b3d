// SPDX-License-Identifier: GPL-2.0
// Smallest programs for each socket-level hook kpf uses. `kpf probe` loads them and attaches each one to a
// throwaway cgroup to learn whether this kernel really accepts that attach type. They allow every operation.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define ALLOW 1

SEC("cgroup/connect4")
int kpf_probe_connect4(struct bpf_sock_addr *ctx) { return ALLOW; }

SEC("cgroup/connect6")
int kpf_probe_connect6(struct bpf_sock_addr *ctx) { return ALLOW; }

SEC("cgroup/sendmsg4")
int kpf_probe_sendmsg4(struct bpf_sock_addr *ctx) { return ALLOW; }

SEC("cgroup/sendmsg6")
int kpf_probe_sendmsg6(struct bpf_sock_addr *ctx) { return ALLOW; }

SEC("cgroup/recvmsg4")
int kpf_probe_recvmsg4(struct bpf_sock_addr *ctx) { return ALLOW; }

SEC("cgroup/recvmsg6")
int kpf_probe_recvmsg6(struct bpf_sock_addr *ctx) { return ALLOW; }

SEC("cgroup/getpeername4")
int kpf_probe_getpeername4(struct bpf_sock_addr *ctx) { return ALLOW; }

SEC("cgroup/getpeername6")
int kpf_probe_getpeername6(struct bpf_sock_addr *ctx) { return ALLOW; }

char LICENSE[] SEC("license") = "GPL";
