// SPDX-License-Identifier: GPL-2.0
/*
 * Lets connected UDP sockets go when their backend leaves (kernel 6.5 and later: bpf_sock_destroy). The agent writes
 * the (frontend, backend) pairs that ended into kpf_udp_gone and runs this iterator over the UDP sockets of each
 * network namespace: a connected socket that kpf translated to such a backend (kpf_sk_revnat4/6 knows its
 * frontend) is destroyed, so the application gets ECONNABORTED and connects again, to a current backend. Sockets
 * kpf did not translate are never touched. TCP connections are left to the applications, as kube-proxy does.
 * Loaded on its own: kernels without bpf_sock_destroy refuse it and keep everything else.
 */
#include <linux/bpf.h>
#include <linux/types.h>
#include <linux/in6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "kpf_sock.h"

#define AF_INET 2
#define AF_INET6 10
#define TCP_ESTABLISHED 1 /* a connected UDP socket's state */

/* the kernel's types, only the fields used, relocated against its BTF (CO-RE) */
struct sock_common {
	__be32 skc_daddr;
	__be16 skc_dport;
	unsigned short skc_family;
	volatile unsigned char skc_state;
	struct in6_addr skc_v6_daddr;
} __attribute__((preserve_access_index));

struct sock {
	struct sock_common __sk_common;
} __attribute__((preserve_access_index));

struct udp_sock;

struct bpf_iter_meta;

struct bpf_iter__udp {
	struct bpf_iter_meta *meta;
	struct udp_sock *udp_sk;
} __attribute__((preserve_access_index));

extern int bpf_sock_destroy(struct sock_common *sk) __ksym;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct kpf_gone_key);
	__type(value, __u8);
} kpf_udp_gone SEC(".maps");

/* the socket programs' reverse translations (pinned by kpf_sock.bpf.o): which frontend a socket connected to */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 262144);
	__type(key, struct kpf_sk_revnat4_key);
	__type(value, struct kpf_sk_revnat4_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kpf_sk_revnat4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 131072);
	__type(key, struct kpf_sk_revnat6_key);
	__type(value, struct kpf_sk_revnat6_value);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kpf_sk_revnat6 SEC(".maps");

static __always_inline int kpf_mapped(const __u32 *a)
{
	return a[0] == 0 && a[1] == 0 && a[2] == bpf_htonl(0x0000ffff);
}

SEC("iter/udp")
int kpf_udp_destroy(struct bpf_iter__udp *ctx)
{
	struct sock_common *sk = (struct sock_common *)ctx->udp_sk;
	if (!sk || sk->skc_state != TCP_ESTABLISHED)
		return 0;
	__u64 cookie = bpf_get_socket_cookie(sk);
	__be16 port = sk->skc_dport;
	struct kpf_gone_key gone = {.port = port};
	__u32 daddr6[4];
	__be32 daddr4 = sk->skc_daddr;
	int v4 = sk->skc_family == AF_INET;
	if (!v4) {
		if (sk->skc_family != AF_INET6)
			return 0;
		__builtin_memcpy(daddr6, &sk->skc_v6_daddr, 16);
		if (kpf_mapped(daddr6)) {
			v4 = 1;
			daddr4 = daddr6[3];
		}
	}
	if (v4) {
		struct kpf_sk_revnat4_key rk = {.cookie = cookie, .addr = daddr4, .port = port};
		struct kpf_sk_revnat4_value *rv = bpf_map_lookup_elem(&kpf_sk_revnat4, &rk);
		if (!rv)
			return 0;
		gone.rev_nat_id = rv->rev_nat_id;
		gone.family = 4;
		__builtin_memcpy(gone.addr, &daddr4, 4);
	} else {
		struct kpf_sk_revnat6_key rk = {.cookie = cookie, .port = port};
		__builtin_memcpy(rk.addr, daddr6, 16);
		struct kpf_sk_revnat6_value *rv = bpf_map_lookup_elem(&kpf_sk_revnat6, &rk);
		if (!rv)
			return 0;
		gone.rev_nat_id = rv->rev_nat_id;
		gone.family = 6;
		__builtin_memcpy(gone.addr, daddr6, 16);
	}
	if (bpf_map_lookup_elem(&kpf_udp_gone, &gone))
		bpf_sock_destroy(sk);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
