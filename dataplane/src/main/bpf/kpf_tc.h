/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kpf's tc datapath for traffic from outside the node (included by kpf_sock.bpf.c, so it shares the service and
 * backend maps). Attached to the node's external devices (and, ingress only, to the interfaces replies arrive on):
 *   kpf_tc_ingress  a packet to a frontend (NodePort on a node address, ExternalIP, LoadBalancer IP) goes to a
 *                   backend picked once per flow (conntrack); with externalTrafficPolicy Cluster the source is
 *                   rewritten to the node address and a port of kpf's own (SNAT), as kube-proxy masquerades;
 *                   with Local it is kept. Replies are translated back. Translated packets are sent on with
 *                   bpf_redirect_neigh, so a reply whose source is now a node address is not taken for a martian.
 *                   ICMP and ICMPv6 errors about a translated flow are translated in both directions (an error
 *                   about a packet sent to a backend reaches the client, one about a reply reaches the backend:
 *                   path MTU discovery works through kpf).
 *   kpf_tc_egress   replies of flows without SNAT leaving the node get the frontend as their source.
 * TCP and UDP over IPv4 and IPv6, one implementation of each step for both families: a packet is parsed into a
 * struct kpf_pkt whose addresses are 16 bytes (IPv4 in the first 4), and only the header offsets, the address
 * length, the IPv4 header checksum and the family's service and backend maps differ. Everything else passes
 * untouched to the next program (TCX_NEXT).
 *
 * Conntrack: a flow is two entries of kpf_ct (original and reply), each naming the other (kpf_ct_partner). They
 * are made together (the reply first: it claims the SNAT port), live together (an entry counts as expired only
 * when its partner is expired or gone too, so a one-way UDP stream keeps its port) and are deleted together (on
 * expiry, on a SYN that reuses a client port, when an expired flow's SNAT port is taken over, and by the agent's
 * sweep). kpf_ct is a plain hash: nothing is evicted behind a live flow's back; when it is full, new flows are
 * dropped and counted (KPF_EV_CT_FULL) while established ones go on, and the agent's sweep frees expired flows.
 * Fragments are not translated: a first fragment to a frontend is dropped and counted (KPF_EV_FRAGMENT), so such a
 * datagram fails as a whole instead of reaching the node's own stack; later fragments carry no ports and pass.
 */
#ifndef KPF_TC_H
#define KPF_TC_H

#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>

#define KPF_TC_NEXT -1 /* TCX_NEXT: let other tc programs see the packet */
#define KPF_TC_DROP 2  /* TCX_DROP */
#define AF_INET 2
#define AF_INET6 10
#define KPF_IPPROTO_ICMPV6 58
#define KPF_IPPROTO_FRAGMENT 44
#define EEXIST 17


#define KPF_TCP_FIN 0x01
#define KPF_TCP_SYN 0x02
#define KPF_TCP_RST 0x04
#define KPF_TCP_ACK 0x10
/* a SYN that finds a flow older than this starts a new flow (a retransmitted SYN is younger) */
#define KPF_CT_SYN_REUSE_NS (1000000000ull)

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 262144);
	__type(key, struct kpf_ct_key);
	__type(value, struct kpf_ct_value);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kpf_ct SEC(".maps");

KPF_MAP(kpf_tc_config, BPF_MAP_TYPE_ARRAY, __u32, struct kpf_tc_config, 1);
KPF_MAP(kpf_tc_events, BPF_MAP_TYPE_PERCPU_ARRAY, __u32, __u64, KPF_EV_COUNT);
KPF_MAP(kpf_ext_aff, BPF_MAP_TYPE_LRU_HASH, struct kpf_ext_affinity_key, struct kpf_affinity_value, 65536);

/* Maglev tables of both families' frontends: rev-NAT ids are shared by the families */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct kpf_maglev);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kpf_maglev4 SEC(".maps");


struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 65536);
	__type(key, struct kpf_srcrange4_key);
	__type(value, __u8);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kpf_srcrange4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 65536);
	__type(key, struct kpf_srcrange6_key);
	__type(value, __u8);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kpf_srcrange6 SEC(".maps");

static __always_inline void kpf_event(__u32 event)
{
	__u64 *n = bpf_map_lookup_elem(&kpf_tc_events, &event);
	if (n)
		*n += 1;
}

#include "kpf_tc_pkt.h"
#include "kpf_tc_ct.h"

/* ---- translation ---- */

/* An original-direction packet of a tracked flow: to the backend, from the SNAT source when the flow has one. */
static __always_inline int kpf_to_backend(struct __sk_buff *skb, const struct kpf_pkt *p, const struct kpf_ct_value *ct)
{
	if (kpf_rewrite(skb, p, 0, p->tuple.daddr, ct->addr, p->tuple.dport, ct->port))
		return KPF_TC_DROP;
	if (!(ct->flags & KPF_CT_SNAT))
		return kpf_forward(skb, p->tuple.family, p->tuple.saddr, ct->addr, p->tuple.proto);
	if (kpf_rewrite(skb, p, 1, p->tuple.saddr, ct->addr2, p->tuple.sport, ct->port2))
		return KPF_TC_DROP;
	return kpf_forward(skb, p->tuple.family, ct->addr2, ct->addr, p->tuple.proto);
}

/* A reply: the destination goes back to the client when the flow was SNATed, the source becomes the frontend. */
static __always_inline int kpf_reply(struct __sk_buff *skb, const struct kpf_pkt *p, const struct kpf_ct_value *ct, int redirect)
{
	const __u8 *daddr = p->tuple.daddr;
	if (ct->flags & KPF_CT_SNAT) {
		if (kpf_rewrite(skb, p, 0, p->tuple.daddr, ct->addr, p->tuple.dport, ct->port))
			return KPF_TC_DROP;
		daddr = ct->addr;
	}
	if (kpf_rewrite(skb, p, 1, p->tuple.saddr, ct->addr2, p->tuple.sport, ct->port2))
		return KPF_TC_DROP;
	return redirect ? kpf_forward(skb, p->tuple.family, ct->addr2, daddr, p->tuple.proto) : KPF_TC_NEXT;
}

/* The frontend entry (slot 0) or a backend slot of the packet's destination, external scope. */
static __always_inline struct kpf_svc_value *kpf_frontend(const struct kpf_pkt *p, __u16 slot)
{
	if (p->tuple.family == 4) {
		struct kpf_svc4_key k = {.port = p->tuple.dport, .proto = p->tuple.proto, .scope = KPF_SCOPE_EXTERNAL, .slot = slot};
		__builtin_memcpy(&k.addr, p->tuple.daddr, 4);
		return bpf_map_lookup_elem(&kpf_svc4, &k);
	}
	struct kpf_svc6_key k = {.port = p->tuple.dport, .proto = p->tuple.proto, .scope = KPF_SCOPE_EXTERNAL, .slot = slot};
	__builtin_memcpy(k.addr, p->tuple.daddr, 16);
	return bpf_map_lookup_elem(&kpf_svc6, &k);
}

/* Whether the client is inside the frontend's loadBalancerSourceRanges. */
static __always_inline int kpf_source_allowed(const struct kpf_pkt *p)
{
	if (p->tuple.family == 4) {
		struct kpf_srcrange4_key k = {.prefixlen = KPF_SRCRANGE4_FRONTEND_BITS + 32, .fport = p->tuple.dport, .proto = p->tuple.proto};
		__builtin_memcpy(&k.faddr, p->tuple.daddr, 4);
		__builtin_memcpy(&k.saddr, p->tuple.saddr, 4);
		return bpf_map_lookup_elem(&kpf_srcrange4, &k) != 0;
	}
	struct kpf_srcrange6_key k = {.prefixlen = KPF_SRCRANGE6_FRONTEND_BITS + 128, .fport = p->tuple.dport, .proto = p->tuple.proto};
	__builtin_memcpy(k.faddr, p->tuple.daddr, 16);
	__builtin_memcpy(k.saddr, p->tuple.saddr, 16);
	return bpf_map_lookup_elem(&kpf_srcrange6, &k) != 0;
}

/* Fills in the backend with this id from the family's backend map; 0 when there is none. */
static __always_inline int kpf_backend(__u8 family, __u32 id, struct kpf_target *t)
{
	t->id = id;
	if (family == 4) {
		struct kpf_backend4 *b = bpf_map_lookup_elem(&kpf_backends4, &id);
		if (!b)
			return 0;
		__builtin_memcpy(t->addr, &b->addr, 4);
		t->port = b->port;
		return 1;
	}
	struct kpf_backend6 *b = bpf_map_lookup_elem(&kpf_backends6, &id);
	if (!b)
		return 0;
	__builtin_memcpy(t->addr, b->addr, 16);
	t->port = b->port;
	return 1;
}

/* A flow's hash for Maglev: the same tuple gives the same table entry on every node (IPv6 addresses folded to 32 bits). */
static __always_inline __u32 kpf_hash(const struct kpf_ct_key *t)
{
	const __u32 *s = (const void *)t->saddr, *d = (const void *)t->daddr;
	__u32 h = (s[0] ^ s[1] ^ s[2] ^ s[3]) ^ ((d[0] ^ d[1] ^ d[2] ^ d[3]) * 0x9e3779b1u) ^ (((__u32)t->sport << 16) | t->dport) ^ t->proto;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/* Picks the backend of a new flow without affinity: from the frontend's Maglev table, else a random slot. */
static __always_inline int kpf_pick_new(const struct kpf_pkt *p, const struct kpf_svc_value *svc, __u16 rev_nat_id, struct kpf_target *t)
{
	if (svc->flags & KPF_SVC_MAGLEV) {
		__u32 mk = rev_nat_id;
		struct kpf_maglev *mg = bpf_map_lookup_elem(&kpf_maglev4, &mk);
		if (mg) {
			__u32 m = kpf_rodata.maglev_m;
			__u32 idx = m ? kpf_hash(&p->tuple) % m : 0;
			/* the compiler turns the modulo into arithmetic the verifier cannot bound: bound it where it sees it */
			asm volatile("" : "+r"(idx));
			if (idx < m && kpf_backend(p->tuple.family, mg->backend_ids[idx], t))
				return 1;
		}
	}
	struct kpf_svc_value *slot = kpf_frontend(p, (bpf_get_prandom_u32() % svc->count) + 1);
	return slot && kpf_backend(p->tuple.family, slot->backend_id, t);
}

/*
 * ClientIP affinity for a client outside the node: its backend while the entry is fresh and the backend still one of
 * the frontend's external entry's (kpf_aff_member, as for clients on the node).
 */
static __always_inline int kpf_ext_affinity(const struct kpf_pkt *p, const struct kpf_svc_value *svc, __u16 rev_nat_id, struct kpf_target *t)
{
	struct kpf_ext_affinity_key k = {.rev_nat_id = rev_nat_id, .family = p->tuple.family};
	__builtin_memcpy(k.client, p->tuple.saddr, 16);
	struct kpf_affinity_value *v = bpf_map_lookup_elem(&kpf_ext_aff, &k);
	if (!v)
		return 0;
	__u64 now = bpf_ktime_get_ns();
	if (now - v->last_used_ns > (__u64)svc->affinity_timeout * 1000000000ull)
		return 0;
	__u32 id = v->backend_id;
	struct kpf_aff_member_key member = {.scoped_rev_nat_id = rev_nat_id | (__u32)KPF_SCOPE_EXTERNAL << 16,
					    .backend_id = p->tuple.family == 6 ? id | KPF_STAT_V6_BIT : id};
	if (!bpf_map_lookup_elem(&kpf_aff_member, &member) || !kpf_backend(p->tuple.family, id, t))
		return 0;
	v->last_used_ns = now;
	return 1;
}

static __always_inline void kpf_ext_remember(const struct kpf_pkt *p, __u16 rev_nat_id, __u32 backend_id)
{
	struct kpf_ext_affinity_key k = {.rev_nat_id = rev_nat_id, .family = p->tuple.family};
	__builtin_memcpy(k.client, p->tuple.saddr, 16);
	struct kpf_affinity_value v = {.last_used_ns = bpf_ktime_get_ns(), .backend_id = backend_id};
	bpf_map_update_elem(&kpf_ext_aff, &k, &v, BPF_ANY);
}

/* Picks the backend of a new flow: the client's ClientIP-affinity backend, else from the frontend's Maglev table, else a random slot. */
static __always_inline int kpf_pick(const struct kpf_pkt *p, const struct kpf_svc_value *svc, __u16 rev_nat_id, struct kpf_target *t)
{
	if (!(svc->flags & KPF_SVC_AFFINITY))
		return kpf_pick_new(p, svc, rev_nat_id, t);
	if (kpf_ext_affinity(p, svc, rev_nat_id, t))
		return 1;
	if (!kpf_pick_new(p, svc, rev_nat_id, t))
		return 0;
	kpf_ext_remember(p, rev_nat_id, t->id);
	return 1;
}

#include "kpf_tc_icmp.h"

/* ---- the programs ---- */

/* A first fragment: dropped and counted when it is addressed to a frontend, else left alone. */
static __always_inline int kpf_fragment(const struct kpf_pkt *p)
{
	if (!kpf_frontend(p, 0))
		return KPF_TC_NEXT;
	kpf_event(KPF_EV_FRAGMENT);
	return KPF_TC_DROP;
}

SEC("tc")
int kpf_tc_ingress(struct __sk_buff *skb)
{
	struct kpf_tc_config *cfg = kpf_tc_cfg();
	if (!cfg)
		return KPF_TC_NEXT;
	struct kpf_pkt p = {};
	int kind = kpf_parse(skb, &p);
	if (kind == KPF_PKT_OTHER)
		return kpf_icmp_error(skb, cfg);
	if (kind == KPF_PKT_FRAGMENT)
		return kpf_fragment(&p);
	if (kind != KPF_PKT_FLOW)
		return KPF_TC_NEXT;
	struct kpf_ct_value *ct = kpf_ct_fresh(cfg, &p.tuple);
	if (ct)
		kpf_ct_track(&p, ct);
	if (ct && (ct->flags & KPF_CT_REPLY))
		return kpf_reply(skb, &p, ct, 1);
	if (ct && (p.tcp_flags & (KPF_TCP_SYN | KPF_TCP_ACK)) == KPF_TCP_SYN && bpf_ktime_get_ns() - ct->created_ns > KPF_CT_SYN_REUSE_NS) {
		/*
		 * the client reuses a source port for a new connection: a new flow, with a new SNAT port (the backend may
		 * still hold the old one in TIME_WAIT and would answer the new SYN with the old connection's ACK)
		 */
		kpf_ct_delete(&p.tuple, ct);
		ct = 0;
	}
	if (ct)
		return kpf_to_backend(skb, &p, ct); /* a flow kpf already translated: the same backend, the same SNAT port */
	struct kpf_svc_value *svc = kpf_frontend(&p, 0);
	if (!svc)
		return KPF_TC_NEXT;
	__u16 rev_nat_id = svc->rev_nat_id;
	if (svc->count == 0) {
		/* no backend (or, with externalTrafficPolicy Local, none on this node): dropped, as kube-proxy does */
		kpf_count(KPF_STAT_FRONTEND, rev_nat_id, 1);
		return KPF_TC_DROP;
	}
	if ((svc->flags & KPF_SVC_SOURCE_RANGES) && !kpf_source_allowed(&p)) {
		/* a client outside loadBalancerSourceRanges: dropped, as kube-proxy's firewall chain does */
		kpf_count(KPF_STAT_FRONTEND, rev_nat_id, 1);
		return KPF_TC_DROP;
	}
	const __u8 *snat = 0;
	if (!(svc->flags & KPF_SVC_TWO_SCOPE)) {
		snat = kpf_snat_addr(cfg, p.tuple.family);
		if (!snat)
			return KPF_TC_NEXT; /* the agent has not said which address to use */
	}
	struct kpf_target target = {};
	if (!kpf_pick(&p, svc, rev_nat_id, &target))
		return KPF_TC_NEXT;
	struct kpf_ct_value orig = {};
	if (kpf_ct_open(cfg, &p, &target, snat, rev_nat_id, &orig) != KPF_OPEN_OK)
		return KPF_TC_DROP;
	kpf_count(KPF_STAT_FRONTEND, rev_nat_id, 0);
	kpf_count(KPF_STAT_BACKEND, p.tuple.family == 4 ? target.id : target.id | KPF_STAT_V6_BIT, 0);
	return kpf_to_backend(skb, &p, &orig);
}

SEC("tc")
int kpf_tc_egress(struct __sk_buff *skb)
{
	struct kpf_tc_config *cfg = kpf_tc_cfg();
	if (!cfg)
		return KPF_TC_NEXT;
	struct kpf_pkt p = {};
	if (kpf_parse(skb, &p) != KPF_PKT_FLOW)
		return KPF_TC_NEXT;
	struct kpf_ct_value *ct = kpf_ct_fresh(cfg, &p.tuple);
	if (!ct || !(ct->flags & KPF_CT_REPLY) || (ct->flags & KPF_CT_SNAT))
		return KPF_TC_NEXT;
	kpf_ct_track(&p, ct);
	return kpf_reply(skb, &p, ct, 0);
}

#endif
