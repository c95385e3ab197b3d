// SPDX-License-Identifier: GPL-2.0
// Test object for the libbpf bindings: a hash map the tests fill and pin, a counter map, and a connect4
// program that refuses connects to one configured port (so an attached program is observable from a socket).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} kpf_test_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} kpf_test_conf SEC(".maps");

/* kpf_test_conf[0]: port (host order) whose connects are refused; kpf_test_conf[1]: connects seen */
SEC("cgroup/connect4")
int kpf_test_connect4(struct bpf_sock_addr *ctx)
{
	__u32 key = 0;
	__u32 *blocked = bpf_map_lookup_elem(&kpf_test_conf, &key);
	key = 1;
	__u32 *seen = bpf_map_lookup_elem(&kpf_test_conf, &key);
	if (seen)
		__sync_fetch_and_add(seen, 1);
	if (blocked && *blocked != 0 && bpf_ntohs(ctx->user_port) == *blocked)
		return 0; /* EPERM to the caller */
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
