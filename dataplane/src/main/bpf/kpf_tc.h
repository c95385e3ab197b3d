/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kpf's tc datapath for traffic from outside the node (included by kpf_sock.bpf.c, so it shares the service and
 * backend maps). Attached with tcx links to the node's external devices:
 *   kpf_tc_ingress  a packet to a frontend (NodePort on a node address, ExternalIP, LoadBalancer IP) goes to a
 *                   backend picked once per flow (conntrack); with externalTrafficPolicy Cluster the source is
 *                   rewritten to the node address and a port of kpf's own (SNAT), as kube-proxy masquerades;
 *                   with Local it is kept. Replies are translated back. Translated packets are sent on with
 *                   bpf_redirect_neigh, so a reply whose source is now a node address is not taken for a martian.
 *   kpf_tc_egress   replies of flows without SNAT leaving the node get the frontend as their source.
 * IPv4, TCP and UDP. Everything else passes untouched to the next program (TCX_NEXT).
 */
#ifndef KPF_TC_H
#define KPF_TC_H

#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>

#define KPF_TC_NEXT -1 /* TCX_NEXT: let other tc programs see the packet */
#define KPF_TC_DROP 2  /* TCX_DROP */
#define AF_INET 2

#define KPF_CT_SNAT    (1u << 0)
#define KPF_CT_REPLY   (1u << 1)
#define KPF_CT_CLOSING (1u << 2) /* a FIN or RST was seen: the entry (and its SNAT port) is free again soon */

#define KPF_CT_TCP_TIMEOUT_NS (2ull * 3600 * 1000000000ull)
#define KPF_CT_UDP_TIMEOUT_NS (120ull * 1000000000ull)
#define KPF_CT_CLOSING_TIMEOUT_NS (10ull * 1000000000ull)



KPF_MAP(kpf_ct4, BPF_MAP_TYPE_LRU_HASH, struct kpf_ct4_key, struct kpf_ct4_value, 262144);



struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct kpf_maglev);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kpf_maglev4 SEC(".maps");

/* The Maglev table size the agent chose (a prime <= KPF_MAGLEV_M); set in .rodata before load, so the verifier knows it. */
const volatile __u32 kpf_maglev_m = KPF_MAGLEV_M;

/* A flow's hash for Maglev: the same tuple gives the same table entry on every node. */
static __always_inline __u32 kpf_hash4(const struct kpf_ct4_key *t)
{
	__u32 h = t->saddr ^ (t->daddr * 0x9e3779b1u) ^ (((__u32)t->sport << 16) | t->dport) ^ t->proto;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 65536);
	__type(key, struct kpf_srcrange4_key);
	__type(value, __u8);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kpf_srcrange4 SEC(".maps");
KPF_MAP(kpf_tc_config, BPF_MAP_TYPE_ARRAY, __u32, struct kpf_tc_config, 1);

struct kpf_pkt4 {
	struct kpf_ct4_key tuple;
	int l3;
	int l4;
	__u8 tcp_flags;
};

#define KPF_TCP_FIN 0x01
#define KPF_TCP_SYN 0x02
#define KPF_TCP_RST 0x04
#define KPF_TCP_ACK 0x10
/* a SYN that finds a flow older than this starts a new flow (a retransmitted SYN is younger) */
#define KPF_CT_SYN_REUSE_NS (1000000000ull)

static __always_inline int kpf_parse4(struct __sk_buff *skb, struct kpf_pkt4 *p)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return 0;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->ihl < 5)
		return 0;
	if (ip->frag_off & bpf_htons(0x3fff)) /* fragments carry no ports */
		return 0;
	if (ip->protocol != IPPROTO_TCP && ip->protocol != IPPROTO_UDP)
		return 0;
	int l4 = sizeof(*eth) + ip->ihl * 4;
	__be16 *ports = data + l4;
	if ((void *)(ports + 2) > end)
		return 0;
	if (ip->protocol == IPPROTO_TCP) {
		__u8 *flags = data + l4 + 13;
		if ((void *)(flags + 1) > end)
			return 0;
		p->tcp_flags = *flags;
	}
	p->tuple.saddr = ip->saddr;
	p->tuple.daddr = ip->daddr;
	p->tuple.sport = ports[0];
	p->tuple.dport = ports[1];
	p->tuple.proto = ip->protocol;
	p->l3 = sizeof(*eth);
	p->l4 = l4;
	return 1;
}

/* Rewrites the source (is_src) or destination address and port, fixing the IP and L4 checksums. */
static __always_inline int kpf_rewrite4(struct __sk_buff *skb, const struct kpf_pkt4 *p, int is_src, __be32 old_ip, __be32 new_ip,
					__be16 old_port, __be16 new_port)
{
	int ip_off = p->l3 + (is_src ? offsetof(struct iphdr, saddr) : offsetof(struct iphdr, daddr));
	int port_off = p->l4 + (is_src ? 0 : 2);
	int csum_off = p->l4 + (p->tuple.proto == IPPROTO_TCP ? 16 : 6);
	__u64 mangled = p->tuple.proto == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0;
	if (old_ip != new_ip) {
		if (bpf_l4_csum_replace(skb, csum_off, old_ip, new_ip, mangled | BPF_F_PSEUDO_HDR | 4))
			return -1;
		if (bpf_l3_csum_replace(skb, p->l3 + offsetof(struct iphdr, check), old_ip, new_ip, 4))
			return -1;
		if (bpf_skb_store_bytes(skb, ip_off, &new_ip, 4, 0))
			return -1;
	}
	if (old_port != new_port) {
		if (bpf_l4_csum_replace(skb, csum_off, old_port, new_port, mangled | 2))
			return -1;
		if (bpf_skb_store_bytes(skb, port_off, &new_port, 2, 0))
			return -1;
	}
	return 0;
}

/* Sends a translated packet to its next hop (routing lookup + neighbour), or lets the stack route it. */
static __always_inline int kpf_forward4(struct __sk_buff *skb, __be32 saddr, __be32 daddr, __u8 proto)
{
	struct bpf_fib_lookup fib = {};
	fib.family = AF_INET;
	fib.l4_protocol = proto;
	fib.ipv4_src = saddr;
	fib.ipv4_dst = daddr;
	fib.ifindex = skb->ingress_ifindex;
	long rc = bpf_fib_lookup(skb, &fib, sizeof(fib), 0);
	if ((rc == BPF_FIB_LKUP_RET_SUCCESS || rc == BPF_FIB_LKUP_RET_NO_NEIGH) && fib.ifindex)
		return bpf_redirect_neigh(fib.ifindex, 0, 0, 0);
	return KPF_TC_NEXT;
}

static __always_inline int kpf_ct4_expired(const struct kpf_ct4_value *ct, __u8 proto, __u64 now)
{
	__u64 timeout = (ct->flags & KPF_CT_CLOSING) ? KPF_CT_CLOSING_TIMEOUT_NS
						       : proto == IPPROTO_TCP ? KPF_CT_TCP_TIMEOUT_NS : KPF_CT_UDP_TIMEOUT_NS;
	return now - ct->last_ns > timeout;
}

static __always_inline struct kpf_ct4_value *kpf_ct4_fresh(struct kpf_ct4_key *key)
{
	struct kpf_ct4_value *ct = bpf_map_lookup_elem(&kpf_ct4, key);
	if (!ct)
		return 0;
	__u64 now = bpf_ktime_get_ns();
	if (kpf_ct4_expired(ct, key->proto, now)) {
		bpf_map_delete_elem(&kpf_ct4, key);
		return 0;
	}
	ct->last_ns = now;
	return ct;
}

/* The key of the other direction of the flow an entry belongs to (seen from the packet that found it). */
static __always_inline void kpf_ct4_partner(const struct kpf_pkt4 *p, const struct kpf_ct4_value *ct, struct kpf_ct4_key *out)
{
	out->proto = p->tuple.proto;
	if (ct->flags & KPF_CT_REPLY) {
		/* reply (backend -> node or client): the original is client -> frontend */
		out->saddr = (ct->flags & KPF_CT_SNAT) ? ct->addr : p->tuple.daddr;
		out->sport = (ct->flags & KPF_CT_SNAT) ? ct->port : p->tuple.dport;
		out->daddr = ct->addr2;
		out->dport = ct->port2;
	} else {
		/* original (client -> frontend): the reply is backend -> SNAT address or client */
		out->saddr = ct->addr;
		out->sport = ct->port;
		out->daddr = (ct->flags & KPF_CT_SNAT) ? ct->addr2 : p->tuple.saddr;
		out->dport = (ct->flags & KPF_CT_SNAT) ? ct->port2 : p->tuple.sport;
	}
}

/* A FIN or RST ends the flow soon: both directions' entries get the short closing timeout. */
static __always_inline void kpf_ct4_track(const struct kpf_pkt4 *p, struct kpf_ct4_value *ct)
{
	if (!(p->tcp_flags & (KPF_TCP_FIN | KPF_TCP_RST)) || (ct->flags & KPF_CT_CLOSING))
		return;
	ct->flags |= KPF_CT_CLOSING;
	struct kpf_ct4_key other = {};
	kpf_ct4_partner(p, ct, &other);
	struct kpf_ct4_value *partner = bpf_map_lookup_elem(&kpf_ct4, &other);
	if (partner)
		partner->flags |= KPF_CT_CLOSING;
}

/* A reply: the destination goes back to the client when the flow was SNATed, the source becomes the frontend. */
static __always_inline int kpf_reply4(struct __sk_buff *skb, struct kpf_pkt4 *p, const struct kpf_ct4_value *ct, int redirect)
{
	__be32 daddr = p->tuple.daddr;
	if (ct->flags & KPF_CT_SNAT) {
		if (kpf_rewrite4(skb, p, 0, p->tuple.daddr, ct->addr, p->tuple.dport, ct->port))
			return KPF_TC_DROP;
		daddr = ct->addr;
	}
	if (kpf_rewrite4(skb, p, 1, p->tuple.saddr, ct->addr2, p->tuple.sport, ct->port2))
		return KPF_TC_DROP;
	return redirect ? kpf_forward4(skb, ct->addr2, daddr, p->tuple.proto) : KPF_TC_NEXT;
}

/* Picks a free SNAT port for (backend, snat address) and records the reply entry; 0 when none was free. */
static __always_inline __be16 kpf_snat_port4(const struct kpf_tc_config *cfg, const struct kpf_backend4 *backend, __u8 proto,
					     const struct kpf_ct4_value *reply)
{
	__u32 range = cfg->port_max > cfg->port_min ? cfg->port_max - cfg->port_min + 1 : 1;
	__u32 start = bpf_get_prandom_u32();
	for (int i = 0; i < 32; i++) {
		__be16 port = bpf_htons(cfg->port_min + (start + i * 7919) % range);
		struct kpf_ct4_key rk = {.saddr = backend->addr, .daddr = cfg->snat4, .sport = backend->port, .dport = port, .proto = proto};
		if (bpf_map_update_elem(&kpf_ct4, &rk, reply, BPF_NOEXIST) == 0)
			return port;
		/* taken: free again once its flow has ended and timed out */
		struct kpf_ct4_value *held = bpf_map_lookup_elem(&kpf_ct4, &rk);
		if (held && kpf_ct4_expired(held, proto, bpf_ktime_get_ns()) && bpf_map_update_elem(&kpf_ct4, &rk, reply, BPF_EXIST) == 0)
			return port;
	}
	return 0;
}

/*
 * An ICMP error (destination unreachable, time exceeded) about a packet kpf sent to a backend: with SNAT it is
 * addressed to the node and goes on to the client; without (externalTrafficPolicy Local) it is on its way to the
 * client already. Either way it quotes the packet as the client sent it (client -> frontend), so the client's
 * socket sees the error.
 */
static __always_inline int kpf_icmp_error4(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return KPF_TC_NEXT;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_ICMP || ip->ihl != 5)
		return KPF_TC_NEXT;
	__u8 *icmp = (void *)(ip + 1);
	if ((void *)(icmp + 8) > end || (icmp[0] != 3 && icmp[0] != 11))
		return KPF_TC_NEXT;
	struct iphdr *inner = (void *)(icmp + 8);
	if ((void *)(inner + 1) > end || inner->ihl != 5 || (inner->protocol != IPPROTO_TCP && inner->protocol != IPPROTO_UDP))
		return KPF_TC_NEXT;
	__be16 *ports = (void *)(inner + 1);
	if ((void *)(ports + 2) > end)
		return KPF_TC_NEXT;
	/* the quoted packet went node -> backend; the reply entry is keyed backend -> node */
	struct kpf_ct4_key rk = {.saddr = inner->daddr, .daddr = inner->saddr, .sport = ports[1], .dport = ports[0], .proto = inner->protocol};
	struct kpf_ct4_value *ct = kpf_ct4_fresh(&rk);
	if (!ct || !(ct->flags & KPF_CT_REPLY))
		return KPF_TC_NEXT;
	/* with SNAT the error came to the node and goes on to the client; without, it is on its way to the client already */
	__be32 client = ct->addr, frontend = ct->addr2, outer_src = ip->saddr, old_dst = ip->daddr;
	__be16 client_port = ct->port, frontend_port = ct->port2;
	__be32 old_isrc = inner->saddr, old_idst = inner->daddr;
	__be16 old_isport = ports[0], old_idport = ports[1];
	__u16 old_icheck = inner->check;
	int l3 = sizeof(*eth), icmp_off = l3 + sizeof(*ip), inner_off = icmp_off + 8, iports = inner_off + sizeof(*inner);
	int icmp_csum = icmp_off + 2;
	/* outer: to the client (the IP checksum; ICMP has no pseudo-header) */
	if (bpf_l3_csum_replace(skb, l3 + offsetof(struct iphdr, check), old_dst, client, 4) ||
	    bpf_skb_store_bytes(skb, l3 + offsetof(struct iphdr, daddr), &client, 4, 0))
		return KPF_TC_DROP;
	/* inner: client -> frontend, fixing the inner IP checksum and the ICMP checksum over the changed bytes */
	if (bpf_l3_csum_replace(skb, inner_off + offsetof(struct iphdr, check), old_isrc, client, 4) ||
	    bpf_l3_csum_replace(skb, inner_off + offsetof(struct iphdr, check), old_idst, frontend, 4))
		return KPF_TC_DROP;
	if (bpf_skb_store_bytes(skb, inner_off + offsetof(struct iphdr, saddr), &client, 4, 0) ||
	    bpf_skb_store_bytes(skb, inner_off + offsetof(struct iphdr, daddr), &frontend, 4, 0) ||
	    bpf_skb_store_bytes(skb, iports, &client_port, 2, 0) || bpf_skb_store_bytes(skb, iports + 2, &frontend_port, 2, 0))
		return KPF_TC_DROP;
	__u16 new_icheck = 0;
	if (bpf_skb_load_bytes(skb, inner_off + offsetof(struct iphdr, check), &new_icheck, 2))
		return KPF_TC_DROP;
	if (bpf_l4_csum_replace(skb, icmp_csum, old_isrc, client, 4) || bpf_l4_csum_replace(skb, icmp_csum, old_idst, frontend, 4) ||
	    bpf_l4_csum_replace(skb, icmp_csum, old_isport, client_port, 2) || bpf_l4_csum_replace(skb, icmp_csum, old_idport, frontend_port, 2) ||
	    bpf_l4_csum_replace(skb, icmp_csum, old_icheck, new_icheck, 2))
		return KPF_TC_DROP;
	return kpf_forward4(skb, outer_src, client, IPPROTO_ICMP);
}

#include "kpf_tc6.h"

static __always_inline int kpf_is_ipv6(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	struct ethhdr *eth = data;
	return (void *)(eth + 1) <= (void *)(long)skb->data_end && eth->h_proto == bpf_htons(ETH_P_IPV6);
}

SEC("tc")
int kpf_tc_ingress(struct __sk_buff *skb)
{
	if (kpf_is_ipv6(skb))
		return kpf_ingress6(skb);
	struct kpf_pkt4 p = {};
	if (!kpf_parse4(skb, &p))
		return kpf_icmp_error4(skb);
	struct kpf_ct4_key key = p.tuple;
	struct kpf_ct4_value *ct = kpf_ct4_fresh(&key);
	if (ct)
		kpf_ct4_track(&p, ct);
	if (ct && (ct->flags & KPF_CT_REPLY))
		return kpf_reply4(skb, &p, ct, 1);
	__be32 saddr = p.tuple.saddr;
	if (ct && (p.tcp_flags & (KPF_TCP_SYN | KPF_TCP_ACK)) == KPF_TCP_SYN && bpf_ktime_get_ns() - ct->created_ns > KPF_CT_SYN_REUSE_NS) {
		/*
		 * the client reuses a source port for a new connection: a new flow, with a new SNAT port (the backend may
		 * still hold the old one in TIME_WAIT and would answer the new SYN with the old connection's ACK)
		 */
		struct kpf_ct4_key old = {.saddr = ct->addr, .daddr = ct->addr2, .sport = ct->port, .dport = ct->port2, .proto = p.tuple.proto};
		if (!(ct->flags & KPF_CT_SNAT)) {
			old.daddr = p.tuple.saddr;
			old.dport = p.tuple.sport;
		}
		bpf_map_delete_elem(&kpf_ct4, &old);
		bpf_map_delete_elem(&kpf_ct4, &key);
		ct = 0;
	}
	if (ct) {
		/* a flow kpf already translated: the same backend, the same SNAT port */
		if (kpf_rewrite4(skb, &p, 0, p.tuple.daddr, ct->addr, p.tuple.dport, ct->port))
			return KPF_TC_DROP;
		if (ct->flags & KPF_CT_SNAT) {
			if (kpf_rewrite4(skb, &p, 1, p.tuple.saddr, ct->addr2, p.tuple.sport, ct->port2))
				return KPF_TC_DROP;
			saddr = ct->addr2;
		}
		return kpf_forward4(skb, saddr, ct->addr, p.tuple.proto);
	}
	struct kpf_svc4_key skey = {.addr = p.tuple.daddr, .port = p.tuple.dport, .proto = p.tuple.proto, .scope = KPF_SCOPE_EXTERNAL};
	struct kpf_svc_value *svc = bpf_map_lookup_elem(&kpf_svc4, &skey);
	if (!svc)
		return KPF_TC_NEXT;
	__u16 rev_nat_id = svc->rev_nat_id;
	if (svc->count == 0) {
		/* no backend (or, with externalTrafficPolicy Local, none on this node): dropped, as kube-proxy does */
		kpf_count(KPF_STAT_FRONTEND, rev_nat_id, 1);
		return KPF_TC_DROP;
	}
	if (svc->flags & KPF_SVC_SOURCE_RANGES) {
		struct kpf_srcrange4_key rk = {.prefixlen = KPF_SRCRANGE4_FRONTEND_BITS + 32, .faddr = p.tuple.daddr, .fport = p.tuple.dport,
					       .proto = p.tuple.proto, .saddr = p.tuple.saddr};
		if (!bpf_map_lookup_elem(&kpf_srcrange4, &rk)) {
			/* a client outside loadBalancerSourceRanges: dropped, as kube-proxy's firewall chain does */
			kpf_count(KPF_STAT_FRONTEND, rev_nat_id, 1);
			return KPF_TC_DROP;
		}
	}
	int snat = !(svc->flags & KPF_SVC_TWO_SCOPE);
	__u32 backend_id = 0;
	struct kpf_backend4 *backend = 0;
	if (svc->flags & KPF_SVC_MAGLEV) {
		__u32 mk = rev_nat_id;
		struct kpf_maglev *mg = bpf_map_lookup_elem(&kpf_maglev4, &mk);
		if (mg) {
			__u32 m = kpf_maglev_m;
			__u32 idx = m ? kpf_hash4(&p.tuple) % m : 0;
			/* the compiler turns the modulo into arithmetic the verifier cannot bound: bound it where it sees it */
			asm volatile("" : "+r"(idx));
			if (idx < m) {
				backend_id = mg->backend_ids[idx];
				backend = bpf_map_lookup_elem(&kpf_backends4, &backend_id);
			}
		}
	}
	if (!backend) {
		skey.slot = (bpf_get_prandom_u32() % svc->count) + 1;
		struct kpf_svc_value *slot = bpf_map_lookup_elem(&kpf_svc4, &skey);
		if (!slot)
			return KPF_TC_NEXT;
		backend_id = slot->backend_id;
		backend = bpf_map_lookup_elem(&kpf_backends4, &backend_id);
		if (!backend)
			return KPF_TC_NEXT;
	}
	__u64 now = bpf_ktime_get_ns();
	struct kpf_ct4_value orig = {.addr = backend->addr, .port = backend->port, .rev_nat_id = rev_nat_id, .last_ns = now, .created_ns = now};
	struct kpf_ct4_value reply = {.addr = p.tuple.saddr, .port = p.tuple.sport, .addr2 = p.tuple.daddr, .port2 = p.tuple.dport,
				      .rev_nat_id = rev_nat_id, .flags = KPF_CT_REPLY, .last_ns = now, .created_ns = now};
	if (snat) {
		__u32 zero = 0;
		struct kpf_tc_config *cfg = bpf_map_lookup_elem(&kpf_tc_config, &zero);
		if (!cfg || !cfg->snat4)
			return KPF_TC_NEXT; /* the agent has not said which address to use */
		reply.flags |= KPF_CT_SNAT;
		__be16 port = kpf_snat_port4(cfg, backend, p.tuple.proto, &reply);
		if (!port)
			return KPF_TC_DROP;
		orig.flags = KPF_CT_SNAT;
		orig.addr2 = cfg->snat4;
		orig.port2 = port;
	} else {
		struct kpf_ct4_key rk = {.saddr = backend->addr, .daddr = p.tuple.saddr, .sport = backend->port, .dport = p.tuple.sport,
					 .proto = p.tuple.proto};
		bpf_map_update_elem(&kpf_ct4, &rk, &reply, BPF_ANY);
	}
	bpf_map_update_elem(&kpf_ct4, &key, &orig, BPF_ANY);
	kpf_count(KPF_STAT_FRONTEND, rev_nat_id, 0);
	kpf_count(KPF_STAT_BACKEND, backend_id, 0);
	if (kpf_rewrite4(skb, &p, 0, p.tuple.daddr, orig.addr, p.tuple.dport, orig.port))
		return KPF_TC_DROP;
	if (snat) {
		if (kpf_rewrite4(skb, &p, 1, p.tuple.saddr, orig.addr2, p.tuple.sport, orig.port2))
			return KPF_TC_DROP;
		saddr = orig.addr2;
	}
	return kpf_forward4(skb, saddr, orig.addr, p.tuple.proto);
}

SEC("tc")
int kpf_tc_egress(struct __sk_buff *skb)
{
	if (kpf_is_ipv6(skb))
		return kpf_egress6(skb);
	struct kpf_pkt4 p = {};
	if (!kpf_parse4(skb, &p))
		return KPF_TC_NEXT;
	struct kpf_ct4_key key = p.tuple;
	struct kpf_ct4_value *ct = kpf_ct4_fresh(&key);
	if (!ct || !(ct->flags & KPF_CT_REPLY) || (ct->flags & KPF_CT_SNAT))
		return KPF_TC_NEXT;
	kpf_ct4_track(&p, ct);
	return kpf_reply4(skb, &p, ct, 0);
}

#endif
