// SPDX-License-Identifier: GPL-2.0
/*
 * kpf's socket-level load balancer. Attached to a cgroup v2 (the root on a node), it translates Service
 * addresses for sockets of that cgroup before any packet exists:
 *   connect4/6      a connect to a frontend goes to a backend (random slot, or the ClientIP-affinity backend);
 *                   a frontend without backends refuses at once with ECONNREFUSED
 *   sendmsg4/6      the same per datagram for unconnected UDP
 *   recvmsg4/6      replies from a backend appear to come from the frontend
 *   getpeername4/6  applications see the frontend as their peer
 * Addresses that are not frontends are left alone. While a tracer has a ring buffer in kpf_trace_rings (its bit in
 * kpf_trace_cfg's mask), every translation is also written to it as a struct kpf_trace_event; otherwise tracing
 * costs one array lookup per hook.
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

/* set before load (struct kpf_rodata); these defaults are what a kernel of 5.18 or later with the default table gets */
const volatile struct kpf_rodata kpf_rodata = {.maglev_m = KPF_MAGLEV_M, .has_set_retval = 1};

/* A refused connect: ECONNREFUSED where the kernel has bpf_set_retval (5.18), else the hook's own EPERM. */
static __always_inline int kpf_refuse(void)
{
	if (kpf_rodata.has_set_retval)
		bpf_set_retval(-ECONNREFUSED);
	return DENY;
}

KPF_MAP(kpf_svc4, BPF_MAP_TYPE_HASH, struct kpf_svc4_key, struct kpf_svc_value, 262144);
KPF_MAP(kpf_svc6, BPF_MAP_TYPE_HASH, struct kpf_svc6_key, struct kpf_svc_value, 131072);
KPF_MAP(kpf_backends4, BPF_MAP_TYPE_HASH, __u32, struct kpf_backend4, 262144);
KPF_MAP(kpf_backends6, BPF_MAP_TYPE_HASH, __u32, struct kpf_backend6, 131072);
KPF_MAP(kpf_revnat4, BPF_MAP_TYPE_HASH, __u32, struct kpf_revnat4, 65536);
KPF_MAP(kpf_revnat6, BPF_MAP_TYPE_HASH, __u32, struct kpf_revnat6, 65536);
KPF_MAP(kpf_sk_revnat4, BPF_MAP_TYPE_LRU_HASH, struct kpf_sk_revnat4_key, struct kpf_sk_revnat4_value, 262144);
KPF_MAP(kpf_sk_revnat6, BPF_MAP_TYPE_LRU_HASH, struct kpf_sk_revnat6_key, struct kpf_sk_revnat6_value, 131072);
KPF_MAP(kpf_affinity, BPF_MAP_TYPE_LRU_HASH, struct kpf_affinity_key, struct kpf_affinity_value, 65536);
KPF_MAP(kpf_aff_member, BPF_MAP_TYPE_HASH, struct kpf_aff_member_key, __u8, 131072);
KPF_MAP(kpf_stats, BPF_MAP_TYPE_PERCPU_HASH, struct kpf_stat_key, struct kpf_stat_value, 131072);
KPF_MAP(kpf_meta, BPF_MAP_TYPE_ARRAY, __u32, __u64, 2);
KPF_MAP(kpf_names, BPF_MAP_TYPE_HASH, __u32, struct kpf_name, 65536);
KPF_MAP(kpf_trace_cfg, BPF_MAP_TYPE_ARRAY, __u32, struct kpf_trace_config, 1);

/* the tracers' ring buffers, created by each tracer (all of this size) and put into a free slot */
struct kpf_trace_ring {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, KPF_TRACE_RING_BYTES);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, KPF_TRACE_SLOTS);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct kpf_trace_ring);
} kpf_trace_rings SEC(".maps");

/* The tracing configuration while at least one tracer listens, else 0: the only cost of tracing when it is off. */
static __always_inline struct kpf_trace_config *kpf_tracing(void)
{
	__u32 zero = 0;
	struct kpf_trace_config *c = bpf_map_lookup_elem(&kpf_trace_cfg, &zero);
	return c && c->mask ? c : 0;
}

/* Completes an event with who and when, and writes it to every listening tracer's ring. */
static __always_inline void kpf_trace_emit(void *ctx, struct kpf_trace_config *c, struct kpf_trace_event *ev)
{
	ev->time_ns = bpf_ktime_get_ns();
	ev->cgroup_id = bpf_get_current_cgroup_id();
	ev->netns_cookie = bpf_get_netns_cookie(ctx);
	ev->socket_cookie = bpf_get_socket_cookie(ctx);
	ev->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	__u32 mask = c->mask;
#pragma clang loop unroll(full)
	for (int i = 0; i < KPF_TRACE_SLOTS; i++) {
		if (!(mask & (1u << i)))
			continue;
		__u32 slot = i;
		void *ring = bpf_map_lookup_elem(&kpf_trace_rings, &slot);
		if (!ring)
			continue;
		/* The reader is woken only once a quarter of its ring waits to be read (it reads the rest when its poll
		 * times out): a wakeup per event costs a context switch per connect, which on a busy 2-core node took a
		 * third of the connect rate (kpf bench connect). */
		__u64 wake = bpf_ringbuf_query(ring, BPF_RB_AVAIL_DATA) >= KPF_TRACE_RING_BYTES / 4 ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
		if (bpf_ringbuf_output(ring, ev, sizeof(*ev), wake) < 0)
			__sync_fetch_and_add(&c->lost[i], 1); /* the tracer fell behind: its ring is full */
	}
}

/* An IPv4 event: frontend vip:vport, backend baddr:bport (0 when there is none). */
static __always_inline void kpf_trace4(void *ctx, __u8 hook, __u8 outcome, __u8 proto, __u16 rev_nat_id, __u32 backend_id,
				       __be32 vip, __be16 vport, __be32 baddr, __be16 bport)
{
	struct kpf_trace_config *c = kpf_tracing();
	if (!c || (outcome == KPF_TRACE_NOT_SERVICE && !(c->flags & KPF_TRACE_WANT_NOT_SERVICE)))
		return;
	struct kpf_trace_event ev = {.backend_id = backend_id, .rev_nat_id = rev_nat_id, .family = 4, .proto = proto,
				     .hook = hook, .outcome = outcome, .vip_port = vport, .backend_port = bport};
	__builtin_memcpy(ev.vip, &vip, 4);
	__builtin_memcpy(ev.backend, &baddr, 4);
	kpf_trace_emit(ctx, c, &ev);
}

/* An IPv6 event; addresses are 16 bytes (backend may be 0). */
static __always_inline void kpf_trace6(void *ctx, __u8 hook, __u8 outcome, __u8 proto, __u16 rev_nat_id, __u32 backend_id,
				       const void *vip, __be16 vport, const void *baddr, __be16 bport)
{
	struct kpf_trace_config *c = kpf_tracing();
	if (!c || (outcome == KPF_TRACE_NOT_SERVICE && !(c->flags & KPF_TRACE_WANT_NOT_SERVICE)))
		return;
	struct kpf_trace_event ev = {.backend_id = backend_id, .rev_nat_id = rev_nat_id, .family = 6, .proto = proto,
				     .hook = hook, .outcome = outcome, .vip_port = vport, .backend_port = bport};
	__builtin_memcpy(ev.vip, vip, 16);
	if (baddr)
		__builtin_memcpy(ev.backend, baddr, 16);
	kpf_trace_emit(ctx, c, &ev);
}

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

/*
 * The affinity backend of this client (network namespace) while it is fresh and still one of the frontend's backends
 * (kpf_aff_member): ids are reused only long after they are freed, but a backend may leave one Service and stay in
 * another, and an entry outlives both.
 */
static __always_inline int kpf_affinity_backend(void *ctx, const struct kpf_svc_value *svc, __u8 scope, __u32 family, __u32 *backend_id)
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
	struct kpf_aff_member_key member = {.scoped_rev_nat_id = svc->rev_nat_id | (__u32)scope << 16,
					    .backend_id = family == 6 ? v->backend_id | KPF_STAT_V6_BIT : v->backend_id};
	if (!bpf_map_lookup_elem(&kpf_aff_member, &member))
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
		else
			key->scope = KPF_SCOPE_EXTERNAL; /* the internal entry is being written: its slots are not there yet */
	}
	return svc;
}

/*
 * Picks the backend for an IPv4 frontend address. Returns 0 when the address is not a frontend, 1 with *out set,
 * or -1 when the frontend has no backend (the caller refuses). Shared by connect4/sendmsg4 and by the IPv6 hooks
 * for IPv4-mapped addresses (dual-stack sockets, e.g. Java's, connect to ::ffff:a.b.c.d). The socket remembers the
 * frontend for recvmsg and getpeername; hook is the KPF_HOOK_* traced.
 */
static __always_inline int kpf_pick4(void *ctx, __be32 addr, __be16 port, __u8 proto, __u8 hook, struct kpf_backend4 *out)
{
	struct kpf_svc4_key key = {.addr = addr, .port = port, .proto = proto};
	struct kpf_svc_value *svc = kpf_lookup4(&key);
	if (!svc) {
		kpf_trace4(ctx, hook, KPF_TRACE_NOT_SERVICE, proto, 0, 0, addr, port, 0, 0);
		return 0;
	}
	__u16 rev_nat_id = svc->rev_nat_id;
	if (svc->count == 0) {
		kpf_count(KPF_STAT_FRONTEND, rev_nat_id, 1);
		kpf_trace4(ctx, hook, KPF_TRACE_REFUSED, proto, rev_nat_id, 0, addr, port, 0, 0);
		return -1;
	}
	__u32 backend_id = 0;
	__u8 outcome = KPF_TRACE_AFFINITY;
	struct kpf_backend4 *backend = 0;
	if (kpf_affinity_backend(ctx, svc, key.scope, 4, &backend_id))
		backend = bpf_map_lookup_elem(&kpf_backends4, &backend_id);
	if (!backend) {
		outcome = KPF_TRACE_TRANSLATED;
		struct kpf_svc4_key slot_key = key;
		slot_key.slot = (bpf_get_prandom_u32() % svc->count) + 1;
		struct kpf_svc_value *slot = bpf_map_lookup_elem(&kpf_svc4, &slot_key);
		if (!slot) {
			/* the frontend shrank after its count was read: slot 1 stays while it has backends */
			slot_key.slot = 1;
			slot = bpf_map_lookup_elem(&kpf_svc4, &slot_key);
		}
		if (!slot)
			return 0; /* the table is being rewritten: leave the connection alone rather than guess */
		backend_id = slot->backend_id;
		backend = bpf_map_lookup_elem(&kpf_backends4, &backend_id);
		if (!backend)
			return 0;
		kpf_affinity_remember(ctx, svc, 4, backend_id);
	}
	struct kpf_sk_revnat4_key rk = {.cookie = bpf_get_socket_cookie(ctx), .addr = backend->addr, .port = backend->port};
	struct kpf_sk_revnat4_value rv = {.addr = key.addr, .port = key.port, .rev_nat_id = rev_nat_id};
	bpf_map_update_elem(&kpf_sk_revnat4, &rk, &rv, BPF_ANY);
	out->addr = backend->addr;
	out->port = backend->port;
	kpf_count(KPF_STAT_FRONTEND, rev_nat_id, 0);
	kpf_count(KPF_STAT_BACKEND, backend_id, 0);
	kpf_trace4(ctx, hook, outcome, proto, rev_nat_id, backend_id, addr, port, out->addr, out->port);
	return 1;
}

/* Translates ctx's destination if it is a frontend. Returns ALLOW, or DENY after setting ECONNREFUSED. */
static __always_inline int kpf_xlate4(struct bpf_sock_addr *ctx, __u8 hook)
{
	struct kpf_backend4 b = {};
	int r = kpf_pick4(ctx, ctx->user_ip4, (__be16)ctx->user_port, (__u8)ctx->protocol, hook, &b);
	if (r < 0) {
		return kpf_refuse();
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
	/* only while the frontend still exists: its rev-NAT id still stands for the address the socket connected to */
	__u32 id = rv->rev_nat_id;
	struct kpf_revnat4 *frontend = bpf_map_lookup_elem(&kpf_revnat4, &id);
	if (!frontend || frontend->addr != rv->addr || frontend->port != rv->port)
		return 0;
	return rv;
}

/* Shows the frontend instead of the backend (replies of unconnected UDP, getpeername). */
static __always_inline int kpf_revxlate4(struct bpf_sock_addr *ctx, __u8 hook)
{
	__be32 baddr = ctx->user_ip4;
	__be16 bport = (__be16)ctx->user_port;
	struct kpf_sk_revnat4_value *rv = kpf_revlookup4(ctx, baddr, bport);
	if (rv) {
		ctx->user_ip4 = rv->addr;
		ctx->user_port = rv->port;
		kpf_trace4(ctx, hook, KPF_TRACE_TRANSLATED, (__u8)ctx->protocol, rv->rev_nat_id, 0, rv->addr, rv->port, baddr, bport);
	}
	return ALLOW;
}

SEC("cgroup/connect4")
int kpf_sock4_connect(struct bpf_sock_addr *ctx)
{
	return kpf_xlate4(ctx, KPF_HOOK_CONNECT);
}

SEC("cgroup/sendmsg4")
int kpf_sock4_sendmsg(struct bpf_sock_addr *ctx)
{
	return kpf_xlate4(ctx, KPF_HOOK_SENDMSG);
}

SEC("cgroup/recvmsg4")
int kpf_sock4_recvmsg(struct bpf_sock_addr *ctx)
{
	return kpf_revxlate4(ctx, KPF_HOOK_RECVMSG);
}

SEC("cgroup/getpeername4")
int kpf_sock4_getpeername(struct bpf_sock_addr *ctx)
{
	return kpf_revxlate4(ctx, KPF_HOOK_GETPEERNAME);
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
		else
			key->scope = KPF_SCOPE_EXTERNAL; /* the internal entry is being written: its slots are not there yet */
	}
	return svc;
}

static __always_inline int kpf_addr6_equal(const __u8 *a, const __u8 *b)
{
	__u32 x[4], y[4];
	__builtin_memcpy(x, a, 16);
	__builtin_memcpy(y, b, 16);
	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3];
}

static __always_inline int kpf_v4_mapped(const __u32 *a)
{
	return a[0] == 0 && a[1] == 0 && a[2] == bpf_htonl(0x0000ffff);
}

static __always_inline int kpf_xlate6(struct bpf_sock_addr *ctx, __u8 hook)
{
	struct kpf_svc6_key key = {.port = (__be16)ctx->user_port, .proto = (__u8)ctx->protocol};
	__u32 dst[4] = {ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3]};
	if (kpf_v4_mapped(dst)) {
		/* a dual-stack socket reaching an IPv4 frontend: translate with the IPv4 table, keep the mapping */
		struct kpf_backend4 b = {};
		int r = kpf_pick4(ctx, dst[3], key.port, key.proto, hook, &b);
		if (r < 0) {
			return kpf_refuse();
		}
		if (r > 0) {
			ctx->user_ip6[3] = b.addr;
			ctx->user_port = b.port;
		}
		return ALLOW;
	}
	kpf_copy6(key.addr, dst);
	struct kpf_svc_value *svc = kpf_lookup6(&key);
	if (!svc) {
		kpf_trace6(ctx, hook, KPF_TRACE_NOT_SERVICE, key.proto, 0, 0, key.addr, key.port, 0, 0);
		return ALLOW;
	}
	__u16 rev_nat_id = svc->rev_nat_id;
	if (svc->count == 0) {
		kpf_count(KPF_STAT_FRONTEND, rev_nat_id, 1);
		kpf_trace6(ctx, hook, KPF_TRACE_REFUSED, key.proto, rev_nat_id, 0, key.addr, key.port, 0, 0);
		return kpf_refuse();
	}
	__u32 backend_id = 0;
	__u8 outcome = KPF_TRACE_AFFINITY;
	struct kpf_backend6 *backend = 0;
	if (kpf_affinity_backend(ctx, svc, key.scope, 6, &backend_id))
		backend = bpf_map_lookup_elem(&kpf_backends6, &backend_id);
	if (!backend) {
		outcome = KPF_TRACE_TRANSLATED;
		struct kpf_svc6_key slot_key = key;
		slot_key.slot = (bpf_get_prandom_u32() % svc->count) + 1;
		struct kpf_svc_value *slot = bpf_map_lookup_elem(&kpf_svc6, &slot_key);
		if (!slot) {
			/* the frontend shrank after its count was read: slot 1 stays while it has backends */
			slot_key.slot = 1;
			slot = bpf_map_lookup_elem(&kpf_svc6, &slot_key);
		}
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
	__be16 bport = backend->port;
	struct kpf_sk_revnat6_key rk = {.cookie = bpf_get_socket_cookie(ctx), .port = bport};
	__builtin_memcpy(rk.addr, addr, 16);
	struct kpf_sk_revnat6_value rv = {.port = key.port, .rev_nat_id = rev_nat_id};
	__builtin_memcpy(rv.addr, key.addr, 16);
	bpf_map_update_elem(&kpf_sk_revnat6, &rk, &rv, BPF_ANY);
	ctx->user_ip6[0] = addr[0];
	ctx->user_ip6[1] = addr[1];
	ctx->user_ip6[2] = addr[2];
	ctx->user_ip6[3] = addr[3];
	ctx->user_port = bport;
	kpf_count(KPF_STAT_FRONTEND, rev_nat_id, 0);
	kpf_count(KPF_STAT_BACKEND, backend_id | KPF_STAT_V6_BIT, 0);
	kpf_trace6(ctx, hook, outcome, key.proto, rev_nat_id, backend_id, key.addr, key.port, addr, bport);
	return ALLOW;
}

static __always_inline int kpf_revxlate6(struct bpf_sock_addr *ctx, __u8 hook)
{
	struct kpf_sk_revnat6_key rk = {.cookie = bpf_get_socket_cookie(ctx), .port = (__be16)ctx->user_port};
	__u32 src[4] = {ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3]};
	if (kpf_v4_mapped(src)) {
		struct kpf_sk_revnat4_value *rv4 = kpf_revlookup4(ctx, src[3], rk.port);
		if (rv4) {
			ctx->user_ip6[3] = rv4->addr;
			ctx->user_port = rv4->port;
			kpf_trace4(ctx, hook, KPF_TRACE_TRANSLATED, (__u8)ctx->protocol, rv4->rev_nat_id, 0, rv4->addr, rv4->port, src[3], rk.port);
		}
		return ALLOW;
	}
	kpf_copy6(rk.addr, src);
	struct kpf_sk_revnat6_value *rv = bpf_map_lookup_elem(&kpf_sk_revnat6, &rk);
	if (!rv)
		return ALLOW;
	__u32 id = rv->rev_nat_id;
	struct kpf_revnat6 *frontend = bpf_map_lookup_elem(&kpf_revnat6, &id);
	if (!frontend || frontend->port != rv->port || !kpf_addr6_equal(frontend->addr, rv->addr))
		return ALLOW;
	__u32 addr[4];
	__builtin_memcpy(addr, rv->addr, 16);
	ctx->user_ip6[0] = addr[0];
	ctx->user_ip6[1] = addr[1];
	ctx->user_ip6[2] = addr[2];
	ctx->user_ip6[3] = addr[3];
	ctx->user_port = rv->port;
	kpf_trace6(ctx, hook, KPF_TRACE_TRANSLATED, (__u8)ctx->protocol, id, 0, addr, rv->port, src, rk.port);
	return ALLOW;
}

SEC("cgroup/connect6")
int kpf_sock6_connect(struct bpf_sock_addr *ctx)
{
	return kpf_xlate6(ctx, KPF_HOOK_CONNECT);
}

SEC("cgroup/sendmsg6")
int kpf_sock6_sendmsg(struct bpf_sock_addr *ctx)
{
	return kpf_xlate6(ctx, KPF_HOOK_SENDMSG);
}

SEC("cgroup/recvmsg6")
int kpf_sock6_recvmsg(struct bpf_sock_addr *ctx)
{
	return kpf_revxlate6(ctx, KPF_HOOK_RECVMSG);
}

SEC("cgroup/getpeername6")
int kpf_sock6_getpeername(struct bpf_sock_addr *ctx)
{
	return kpf_revxlate6(ctx, KPF_HOOK_GETPEERNAME);
}

/* traffic from outside the node: NodePort, ExternalIPs, LoadBalancer IPs (tc) */
#include "kpf_tc.h"

char LICENSE[] SEC("license") = "GPL";
