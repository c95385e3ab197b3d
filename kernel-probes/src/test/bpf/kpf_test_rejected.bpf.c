// SPDX-License-Identifier: GPL-2.0
// A program the verifier must reject (it dereferences a hash-map lookup without a NULL check), so tests can see
// how a load failure is reported: errno, object and the tail of the verifier log.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} kpf_test_rejected_map SEC(".maps");

SEC("cgroup/connect4")
int kpf_test_rejected(struct bpf_sock_addr *ctx)
{
	__u32 key = 0;
	__u32 *value = bpf_map_lookup_elem(&kpf_test_rejected_map, &key);
	return *value ? 1 : 0;
}

char LICENSE[] SEC("license") = "GPL";
