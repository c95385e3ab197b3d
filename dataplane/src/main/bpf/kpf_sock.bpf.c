// SPDX-License-Identifier: GPL-2.0
/*
 * kpf's socket-level load balancer. Attached to a cgroup v2 (the root on a node), it translates Service
 * addresses for sockets of that cgroup before any packet exists:
 *   connect4/6      a connect to a frontend goes to a backend (random slot, or the ClientIP-affinity backend);
 *                   a frontend without backends refuses at once with ECONNREFUSED
 *   sendmsg4/6      the same per datagram for unconnected UDP
 *   recvmsg4/6      replies from a backend appear to come from the frontend
 *   getpeername4/6  applications see the frontend as their peer
 * Addresses that are not frontends are left alone.
 */
#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "kpf_sock.h"

#define ECONNREFUSED 111
#define ALLOW 1
#define DENY 0

#define KPF_MAP(NAME, TYPE, KEY, VALUE, MAX)            \
	struct {                                           \
		__uint(type, TYPE);                            \
		__uint(max_entries, MAX);                      \
		__type(key, KEY);                              \
		__type(value, VALUE);                          \
		__uint(pinning, LIBBPF_PIN_BY_NAME);           \
	} NAME SEC(".maps")

KPF_MAP(kpf_svc4, BPF_MAP_TYPE_HASH, struct kpf_svc4_key, struct kpf_svc_value, 262144);
KPF_MAP(kpf_svc6, BPF_MAP_TYPE_HASH, struct kpf_svc6_key, struct kpf_svc_value, 131072);
KPF_MAP(kpf_backends4, BPF_MAP_TYPE_HASH, __u32, struct kpf_backend4, 262144);
KPF_MAP(kpf_backends6, BPF_MAP_TYPE_HASH, __u32, struct kpf_backend6, 131072);
KPF_MAP(kpf_revnat4, BPF_MAP_TYPE_HASH, __u32, struct kpf_revnat4, 65536);
KPF_MAP(kpf_revnat6, BPF_MAP_TYPE_HASH, __u32, struct kpf_revnat6, 65536);
KPF_MAP(kpf_sk_revnat4, BPF_MAP_TYPE_LRU_HASH, struct kpf_sk_revnat4_key, struct kpf_sk_revnat4_value, 262144);
KPF_MAP(kpf_sk_revnat6, BPF_MAP_TYPE_LRU_HASH, struct kpf_sk_revnat6_key, struct kpf_sk_revnat6_value, 131072);
KPF_MAP(kpf_affinity, BPF_MAP_TYPE_LRU_HASH, struct kpf_affinity_key, struct kpf_affinity_value, 65536);
KPF_MAP(kpf_stats, BPF_MAP_TYPE_PERCPU_HASH, struct kpf_stat_key, struct kpf_stat_value, 131072);
KPF_MAP(kpf_meta, BPF_MAP_TYPE_ARRAY, __u32, __u64, 2);
KPF_MAP(kpf_names, BPF_MAP_TYPE_HASH, __u32, struct kpf_name, 65536);

static __always_inline void kpf_count(__u32 kind, __u32 id, int refused)
{
	struct kpf_stat_key key = {.kind = kind, .id = id};
	struct kpf_stat_value *v = bpf_map_lookup_elem(&kpf_stats, &key);
	if (!v) {
		struct kpf_stat_value init = {};
		bpf_map_update_elem(&kpf_stats, &key, &init, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&kpf_stats, &key);
		if (!v)
			return;
	}
	if (refused)
		v->refused++;
	else
		v->connects++;
}

/* The affinity backend of this client (network namespace) while it is fresh. */
static __always_inline int kpf_affinity_backend(void *ctx, const struct kpf_svc_value *svc, __u32 family, __u32 *backend_id)
{
	if (!(svc->flags & KPF_SVC_AFFINITY))
		return 0;
	struct kpf_affinity_key key = {.netns_cookie = bpf_get_netns_cookie(ctx), .rev_nat_id = svc->rev_nat_id, .family = family};
	struct kpf_affinity_value *v = bpf_map_lookup_elem(&kpf_affinity, &key);
	if (!v)
		return 0;
	__u64 now = bpf_ktime_get_ns();
	if (now - v->last_used_ns > (__u64)svc->affinity_timeout * 1000000000ull)
		return 0;
	v->last_used_ns = now;
	*backend_id = v->backend_id;
	return 1;
}

static __always_inline void kpf_affinity_remember(void *ctx, const struct kpf_svc_value *svc, __u32 family, __u32 backend_id)
{
	if (!(svc->flags & KPF_SVC_AFFINITY))
		return;
	struct kpf_affinity_key key = {.netns_cookie = bpf_get_netns_cookie(ctx), .rev_nat_id = svc->rev_nat_id, .family = family};
	struct kpf_affinity_value v = {.last_used_ns = bpf_ktime_get_ns(), .backend_id = backend_id};
	bpf_map_update_elem(&kpf_affinity, &key, &v, BPF_ANY);
}

/* ---- IPv4 ---- */

static __always_inline struct kpf_svc_value *kpf_lookup4(struct kpf_svc4_key *key)
{
	key->scope = KPF_SCOPE_EXTERNAL;
	key->slot = 0;
	struct kpf_svc_value *svc = bpf_map_lookup_elem(&kpf_svc4, key);
	if (svc && (svc->flags & KPF_SVC_TWO_SCOPE)) {
		/* traffic that starts on the node uses all backends, as kube-proxy does for pods */
		key->scope = KPF_SCOPE_INTERNAL;
		struct kpf_svc_value *internal = bpf_map_lookup_elem(&kpf_svc4, key);
		if (internal)
			svc = internal;
	}
	return svc;
}

/*
 * Picks the backend for an IPv4 frontend address. Returns 0 when the address is not a frontend, 1 with *out set,
 * or -1 when the frontend has no backend (the caller refuses). Shared by connect4/sendmsg4 and by the IPv6 hooks
 * for IPv4-mapped addresses (dual-stack sockets, e.g. Java's, connect to ::ffff:a.b.c.d).
 */
static __always_inline int kpf_pick4(void *ctx, __be32 addr, __be16 port, __u8 proto, int remember_socket, struct kpf_backend4 *out)
{
	struct kpf_svc4_key key = {.addr = addr, .port = port, .proto = proto};
	struct kpf_svc_value *svc = kpf_lookup4(&key);
	if (!svc)
		return 0;
	__u16 rev_nat_id = svc->rev_nat_id;
	if (svc->count == 0) {
		kpf_count(KPF_STAT_FRONTEND, rev_nat_id, 1);
		return -1;
	}
	__u32 backend_id = 0;
	struct kpf_backend4 *backend = 0;
	if (kpf_affinity_backend(ctx, svc, 4, &backend_id))
		backend = bpf_map_lookup_elem(&kpf_backends4, &backend_id);
	if (!backend) {
		struct kpf_svc4_key slot_key = key;
		slot_key.slot = (bpf_get_prandom_u32() % svc->count) + 1;
		struct kpf_svc_value *slot = bpf_map_lookup_elem(&kpf_svc4, &slot_key);
		if (!slot)
			return 0; /* the table is being rewritten: leave the connection alone rather than guess */
		backend_id = slot->backend_id;
		backend = bpf_map_lookup_elem(&kpf_backends4, &backend_id);
		if (!backend)
			return 0;
		kpf_affinity_remember(ctx, svc, 4, backend_id);
	}
	if (remember_socket) {
		struct kpf_sk_revnat4_key rk = {.cookie = bpf_get_socket_cookie(ctx), .addr = backend->addr, .port = backend->port};
		struct kpf_sk_revnat4_value rv = {.addr = key.addr, .port = key.port, .rev_nat_id = rev_nat_id};
		bpf_map_update_elem(&kpf_sk_revnat4, &rk, &rv, BPF_ANY);
	}
	out->addr = backend->addr;
	out->port = backend->port;
	kpf_count(KPF_STAT_FRONTEND, rev_nat_id, 0);
	kpf_count(KPF_STAT_BACKEND, backend_id, 0);
	return 1;
}

/* Translates ctx's destination if it is a frontend. Returns ALLOW, or DENY after setting ECONNREFUSED. */
static __always_inline int kpf_xlate4(struct bpf_sock_addr *ctx, int remember_socket)
{
	struct kpf_backend4 b = {};
	int r = kpf_pick4(ctx, ctx->user_ip4, (__be16)ctx->user_port, (__u8)ctx->protocol, remember_socket, &b);
	if (r < 0) {
		bpf_set_retval(-ECONNREFUSED);
		return DENY;
	}
	if (r > 0) {
		ctx->user_ip4 = b.addr;
		ctx->user_port = b.port;
	}
	return ALLOW;
}

/* The frontend a socket's backend address stands for, or 0 (IPv4; also used for IPv4-mapped IPv6). */
static __always_inline struct kpf_sk_revnat4_value *kpf_revlookup4(void *ctx, __be32 addr, __be16 port)
{
	struct kpf_sk_revnat4_key rk = {.cookie = bpf_get_socket_cookie(ctx), .addr = addr, .port = port};
	struct kpf_sk_revnat4_value *rv = bpf_map_lookup_elem(&kpf_sk_revnat4, &rk);
	if (!rv)
		return 0;
	/* only while the frontend still exists */
	__u32 id = rv->rev_nat_id;
	if (!bpf_map_lookup_elem(&kpf_revnat4, &id))
		return 0;
	return rv;
}

/* Shows the frontend instead of the backend (replies of unconnected UDP, getpeername). */
static __always_inline int kpf_revxlate4(struct bpf_sock_addr *ctx)
{
	struct kpf_sk_revnat4_value *rv = kpf_revlookup4(ctx, ctx->user_ip4, (__be16)ctx->user_port);
	if (rv) {
		ctx->user_ip4 = rv->addr;
		ctx->user_port = rv->port;
	}
	return ALLOW;
}

SEC("cgroup/connect4")
int kpf_sock4_connect(struct bpf_sock_addr *ctx)
{
	return kpf_xlate4(ctx, 1);
}

SEC("cgroup/sendmsg4")
int kpf_sock4_sendmsg(struct bpf_sock_addr *ctx)
{
	return kpf_xlate4(ctx, 1);
}

SEC("cgroup/recvmsg4")
int kpf_sock4_recvmsg(struct bpf_sock_addr *ctx)
{
	return kpf_revxlate4(ctx);
}

SEC("cgroup/getpeername4")
int kpf_sock4_getpeername(struct bpf_sock_addr *ctx)
{
	return kpf_revxlate4(ctx);
}

/* ---- IPv6 ---- */

static __always_inline void kpf_copy6(__u8 *dst, const __u32 *src)
{
	__builtin_memcpy(dst, src, 16);
}

static __always_inline struct kpf_svc_value *kpf_lookup6(struct kpf_svc6_key *key)
{
	key->scope = KPF_SCOPE_EXTERNAL;
	key->slot = 0;
	struct kpf_svc_value *svc = bpf_map_lookup_elem(&kpf_svc6, key);
	if (svc && (svc->flags & KPF_SVC_TWO_SCOPE)) {
		key->scope = KPF_SCOPE_INTERNAL;
		struct kpf_svc_value *internal = bpf_map_lookup_elem(&kpf_svc6, key);
		if (internal)
			svc = internal;
	}
	return svc;
}

static __always_inline int kpf_v4_mapped(const __u32 *a)
{
	return a[0] == 0 && a[1] == 0 && a[2] == bpf_htonl(0x0000ffff);
}

static __always_inline int kpf_xlate6(struct bpf_sock_addr *ctx, int remember_socket)
{
	struct kpf_svc6_key key = {.port = (__be16)ctx->user_port, .proto = (__u8)ctx->protocol};
	__u32 dst[4] = {ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3]};
	if (kpf_v4_mapped(dst)) {
		/* a dual-stack socket reaching an IPv4 frontend: translate with the IPv4 table, keep the mapping */
		struct kpf_backend4 b = {};
		int r = kpf_pick4(ctx, dst[3], key.port, key.proto, remember_socket, &b);
		if (r < 0) {
			bpf_set_retval(-ECONNREFUSED);
			return DENY;
		}
		if (r > 0) {
			ctx->user_ip6[3] = b.addr;
			ctx->user_port = b.port;
		}
		return ALLOW;
	}
	kpf_copy6(key.addr, dst);
	struct kpf_svc_value *svc = kpf_lookup6(&key);
	if (!svc)
		return ALLOW;
	__u16 rev_nat_id = svc->rev_nat_id;
	if (svc->count == 0) {
		kpf_count(KPF_STAT_FRONTEND, rev_nat_id, 1);
		bpf_set_retval(-ECONNREFUSED);
		return DENY;
	}
	__u32 backend_id = 0;
	struct kpf_backend6 *backend = 0;
	if (kpf_affinity_backend(ctx, svc, 6, &backend_id))
		backend = bpf_map_lookup_elem(&kpf_backends6, &backend_id);
	if (!backend) {
		struct kpf_svc6_key slot_key = key;
		slot_key.slot = (bpf_get_prandom_u32() % svc->count) + 1;
		struct kpf_svc_value *slot = bpf_map_lookup_elem(&kpf_svc6, &slot_key);
		if (!slot)
			return ALLOW;
		backend_id = slot->backend_id;
		backend = bpf_map_lookup_elem(&kpf_backends6, &backend_id);
		if (!backend)
			return ALLOW;
		kpf_affinity_remember(ctx, svc, 6, backend_id);
	}
	__u32 addr[4];
	__builtin_memcpy(addr, backend->addr, 16);
	if (remember_socket) {
		struct kpf_sk_revnat6_key rk = {.cookie = bpf_get_socket_cookie(ctx), .port = backend->port};
		__builtin_memcpy(rk.addr, backend->addr, 16);
		struct kpf_sk_revnat6_value rv = {.port = key.port, .rev_nat_id = rev_nat_id};
		__builtin_memcpy(rv.addr, key.addr, 16);
		bpf_map_update_elem(&kpf_sk_revnat6, &rk, &rv, BPF_ANY);
	}
	ctx->user_ip6[0] = addr[0];
	ctx->user_ip6[1] = addr[1];
	ctx->user_ip6[2] = addr[2];
	ctx->user_ip6[3] = addr[3];
	ctx->user_port = backend->port;
	kpf_count(KPF_STAT_FRONTEND, rev_nat_id, 0);
	kpf_count(KPF_STAT_BACKEND, backend_id | KPF_STAT_V6_BIT, 0);
	return ALLOW;
}

static __always_inline int kpf_revxlate6(struct bpf_sock_addr *ctx)
{
	struct kpf_sk_revnat6_key rk = {.cookie = bpf_get_socket_cookie(ctx), .port = (__be16)ctx->user_port};
	__u32 src[4] = {ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3]};
	if (kpf_v4_mapped(src)) {
		struct kpf_sk_revnat4_value *rv4 = kpf_revlookup4(ctx, src[3], rk.port);
		if (rv4) {
			ctx->user_ip6[3] = rv4->addr;
			ctx->user_port = rv4->port;
		}
		return ALLOW;
	}
	kpf_copy6(rk.addr, src);
	struct kpf_sk_revnat6_value *rv = bpf_map_lookup_elem(&kpf_sk_revnat6, &rk);
	if (!rv)
		return ALLOW;
	__u32 id = rv->rev_nat_id;
	if (!bpf_map_lookup_elem(&kpf_revnat6, &id))
		return ALLOW;
	__u32 addr[4];
	__builtin_memcpy(addr, rv->addr, 16);
	ctx->user_ip6[0] = addr[0];
	ctx->user_ip6[1] = addr[1];
	ctx->user_ip6[2] = addr[2];
	ctx->user_ip6[3] = addr[3];
	ctx->user_port = rv->port;
	return ALLOW;
}

SEC("cgroup/connect6")
int kpf_sock6_connect(struct bpf_sock_addr *ctx)
{
	return kpf_xlate6(ctx, 1);
}

SEC("cgroup/sendmsg6")
int kpf_sock6_sendmsg(struct bpf_sock_addr *ctx)
{
	return kpf_xlate6(ctx, 1);
}

SEC("cgroup/recvmsg6")
int kpf_sock6_recvmsg(struct bpf_sock_addr *ctx)
{
	return kpf_revxlate6(ctx);
}

SEC("cgroup/getpeername6")
int kpf_sock6_getpeername(struct bpf_sock_addr *ctx)
{
	return kpf_revxlate6(ctx);
}

/* traffic from outside the node: NodePort, ExternalIPs, LoadBalancer IPs (tc) */
#include "kpf_tc.h"

char LICENSE[] SEC("license") = "GPL";
