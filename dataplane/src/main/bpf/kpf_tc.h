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
#define E2BIG 7

/* the defaults of kpf_tc_config's timeouts */
#define KPF_CT_TCP_TIMEOUT_S (2 * 3600)
#define KPF_CT_UDP_TIMEOUT_S 120
#define KPF_CT_CLOSING_TIMEOUT_S 10

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

/* The Maglev table size the agent chose (a prime <= KPF_MAGLEV_M); set in .rodata before load, so the verifier knows it. */
const volatile __u32 kpf_maglev_m = KPF_MAGLEV_M;

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

/* ---- addresses: 16 bytes for both families, IPv4 in the first 4 ---- */

static __always_inline int kpf_same_addr(const __u8 *a, const __u8 *b)
{
	const __u32 *x = (const void *)a, *y = (const void *)b;
	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3];
}

static __always_inline int kpf_zero_addr(const __u8 *a)
{
	const __u32 *x = (const void *)a;
	return (x[0] | x[1] | x[2] | x[3]) == 0;
}

/* The checksum difference of an address change (4 or 16 bytes), or a negative error. */
static __always_inline __s64 kpf_addr_diff(__u8 family, const __u8 *old, const __u8 *new)
{
	__u8 from[16], to[16];
	__builtin_memcpy(from, old, 16);
	__builtin_memcpy(to, new, 16);
	if (family == 4)
		return bpf_csum_diff((__be32 *)from, 4, (__be32 *)to, 4, 0);
	return bpf_csum_diff((__be32 *)from, 16, (__be32 *)to, 16, 0);
}

/* Writes an address of the family's length at off. */
static __always_inline int kpf_store_addr(struct __sk_buff *skb, int off, __u8 family, const __u8 *addr)
{
	__u8 a[16];
	__builtin_memcpy(a, addr, 16);
	if (family == 4)
		return bpf_skb_store_bytes(skb, off, a, 4, 0);
	return bpf_skb_store_bytes(skb, off, a, 16, 0);
}

/* ---- parsing ---- */

struct kpf_pkt {
	struct kpf_ct_key tuple;
	int l3;  /* the IP header */
	int l4;  /* the TCP or UDP header */
	__u8 tcp_flags;
};

#define KPF_PKT_OTHER    0 /* not TCP or UDP (maybe an ICMP error) */
#define KPF_PKT_FLOW     1 /* TCP or UDP: p is filled in */
#define KPF_PKT_FRAGMENT 2 /* the first fragment of a fragmented TCP or UDP datagram: p is filled in */
#define KPF_PKT_LATER    3 /* a later fragment: no ports */

static __always_inline int kpf_ip_offsets(__u8 family, int l3, int *saddr, int *daddr)
{
	*saddr = l3 + (family == 4 ? offsetof(struct iphdr, saddr) : offsetof(struct ipv6hdr, saddr));
	*daddr = l3 + (family == 4 ? offsetof(struct iphdr, daddr) : offsetof(struct ipv6hdr, daddr));
	return 0;
}

/* The family of the packet's IP header (4, 6) or 0. */
static __always_inline __u8 kpf_family(struct __sk_buff *skb)
{
	__be16 proto = 0;
	if (bpf_skb_load_bytes(skb, offsetof(struct ethhdr, h_proto), &proto, 2))
		return 0;
	return proto == bpf_htons(ETH_P_IP) ? 4 : proto == bpf_htons(ETH_P_IPV6) ? 6 : 0;
}

static __always_inline int kpf_parse(struct __sk_buff *skb, struct kpf_pkt *p)
{
	__u8 family = kpf_family(skb);
	int l3 = sizeof(struct ethhdr), l4, kind = KPF_PKT_FLOW;
	__u8 proto;
	if (family == 4) {
		struct iphdr ip;
		if (bpf_skb_load_bytes(skb, l3, &ip, sizeof(ip)) || ip.ihl < 5)
			return KPF_PKT_OTHER;
		proto = ip.protocol;
		if (ip.frag_off & bpf_htons(0x1fff))
			return KPF_PKT_LATER;
		if (ip.frag_off & bpf_htons(0x2000)) /* more fragments follow */
			kind = KPF_PKT_FRAGMENT;
		l4 = l3 + ip.ihl * 4;
		__builtin_memcpy(p->tuple.saddr, &ip.saddr, 4);
		__builtin_memcpy(p->tuple.daddr, &ip.daddr, 4);
	} else if (family == 6) {
		struct ipv6hdr ip;
		if (bpf_skb_load_bytes(skb, l3, &ip, sizeof(ip)))
			return KPF_PKT_OTHER;
		proto = ip.nexthdr;
		l4 = l3 + sizeof(ip);
		if (proto == KPF_IPPROTO_FRAGMENT) {
			/* the fragment header: next header, reserved, offset (13 bits) and flags, identification */
			__u8 frag[8];
			if (bpf_skb_load_bytes(skb, l4, frag, sizeof(frag)))
				return KPF_PKT_OTHER;
			if (((frag[2] << 8) | frag[3]) & 0xfff8)
				return KPF_PKT_LATER;
			proto = frag[0];
			l4 += 8;
			kind = KPF_PKT_FRAGMENT;
		}
		__builtin_memcpy(p->tuple.saddr, &ip.saddr, 16);
		__builtin_memcpy(p->tuple.daddr, &ip.daddr, 16);
	} else {
		return KPF_PKT_OTHER;
	}
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return kind == KPF_PKT_FRAGMENT ? KPF_PKT_LATER : KPF_PKT_OTHER;
	__be16 ports[2];
	if (bpf_skb_load_bytes(skb, l4, ports, sizeof(ports)))
		return KPF_PKT_OTHER;
	if (proto == IPPROTO_TCP && kind == KPF_PKT_FLOW && bpf_skb_load_bytes(skb, l4 + 13, &p->tcp_flags, 1))
		return KPF_PKT_OTHER;
	p->tuple.sport = ports[0];
	p->tuple.dport = ports[1];
	p->tuple.proto = proto;
	p->tuple.family = family;
	p->l3 = l3;
	p->l4 = l4;
	return kind;
}

/* ---- rewriting and forwarding ---- */

/*
 * Rewrites the source (is_src) or destination address and port, fixing the L4 checksum (whose pseudo-header holds
 * the addresses) and, for IPv4, the header checksum.
 */
static __always_inline int kpf_rewrite(struct __sk_buff *skb, const struct kpf_pkt *p, int is_src, const __u8 *old_ip,
				       const __u8 *new_ip, __be16 old_port, __be16 new_port)
{
	__u8 family = p->tuple.family;
	int saddr_off, daddr_off;
	kpf_ip_offsets(family, p->l3, &saddr_off, &daddr_off);
	int port_off = p->l4 + (is_src ? 0 : 2);
	int csum_off = p->l4 + (p->tuple.proto == IPPROTO_TCP ? 16 : 6);
	/* a UDP checksum of 0 means none (IPv4): it stays 0, and a result of 0 is written as 0xffff */
	__u64 mangled = p->tuple.proto == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0;
	if (!kpf_same_addr(old_ip, new_ip)) {
		__s64 diff = kpf_addr_diff(family, old_ip, new_ip);
		if (diff < 0 || bpf_l4_csum_replace(skb, csum_off, 0, diff, mangled | BPF_F_PSEUDO_HDR))
			return -1;
		if (family == 4 && bpf_l3_csum_replace(skb, p->l3 + offsetof(struct iphdr, check), 0, diff, 0))
			return -1;
		if (kpf_store_addr(skb, is_src ? saddr_off : daddr_off, family, new_ip))
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
static __always_inline int kpf_forward(struct __sk_buff *skb, __u8 family, const __u8 *saddr, const __u8 *daddr, __u8 proto)
{
	struct bpf_fib_lookup fib = {};
	fib.l4_protocol = proto;
	fib.ifindex = skb->ingress_ifindex;
	if (family == 4) {
		fib.family = AF_INET;
		__builtin_memcpy(&fib.ipv4_src, saddr, 4);
		__builtin_memcpy(&fib.ipv4_dst, daddr, 4);
	} else {
		fib.family = AF_INET6;
		__builtin_memcpy(fib.ipv6_src, saddr, 16);
		__builtin_memcpy(fib.ipv6_dst, daddr, 16);
	}
	long rc = bpf_fib_lookup(skb, &fib, sizeof(fib), 0);
	if ((rc == BPF_FIB_LKUP_RET_SUCCESS || rc == BPF_FIB_LKUP_RET_NO_NEIGH) && fib.ifindex)
		return bpf_redirect_neigh(fib.ifindex, 0, 0, 0);
	return KPF_TC_NEXT;
}

/* ---- conntrack ---- */

static __always_inline struct kpf_tc_config *kpf_tc_cfg(void)
{
	__u32 zero = 0;
	return bpf_map_lookup_elem(&kpf_tc_config, &zero);
}

static __always_inline __u64 kpf_ct_timeout_ns(const struct kpf_tc_config *cfg, const struct kpf_ct_value *ct, __u8 proto)
{
	__u32 s;
	if (ct->flags & KPF_CT_CLOSING)
		s = cfg->closing_timeout_s ? cfg->closing_timeout_s : KPF_CT_CLOSING_TIMEOUT_S;
	else if (proto == IPPROTO_TCP)
		s = cfg->tcp_timeout_s ? cfg->tcp_timeout_s : KPF_CT_TCP_TIMEOUT_S;
	else
		s = cfg->udp_timeout_s ? cfg->udp_timeout_s : KPF_CT_UDP_TIMEOUT_S;
	return (__u64)s * 1000000000ull;
}

static __always_inline int kpf_ct_stale(const struct kpf_tc_config *cfg, const struct kpf_ct_value *ct, __u8 proto, __u64 now)
{
	return now - ct->last_ns > kpf_ct_timeout_ns(cfg, ct, proto);
}

/* The key of the other entry of the flow an entry belongs to. */
static __always_inline void kpf_ct_partner(const struct kpf_ct_key *key, const struct kpf_ct_value *ct, struct kpf_ct_key *out)
{
	__builtin_memcpy(out->saddr, ct->addr, 16);
	__builtin_memcpy(out->daddr, ct->addr2, 16);
	out->sport = ct->port;
	out->dport = ct->port2;
	out->proto = key->proto;
	out->family = key->family;
	out->pad[0] = 0;
	out->pad[1] = 0;
}

/* Whether the entry at other is key's partner (it names key back). */
static __always_inline int kpf_ct_names(const struct kpf_ct_value *other, const struct kpf_ct_key *key)
{
	return kpf_same_addr(other->addr, key->saddr) && kpf_same_addr(other->addr2, key->daddr) && other->port == key->sport &&
	       other->port2 == key->dport;
}

/* Deletes a flow: the entry at key and its partner, if the partner still names it. */
static __always_inline void kpf_ct_delete(const struct kpf_ct_key *key, const struct kpf_ct_value *ct)
{
	struct kpf_ct_key other = {};
	kpf_ct_partner(key, ct, &other);
	struct kpf_ct_value *partner = bpf_map_lookup_elem(&kpf_ct, &other);
	if (partner && kpf_ct_names(partner, key))
		bpf_map_delete_elem(&kpf_ct, &other);
	bpf_map_delete_elem(&kpf_ct, key);
}

/*
 * Whether the flow of an entry found stale has ended: its partner is stale too, or gone, or belongs to another
 * flow. Else (e.g. a one-way UDP stream refreshes only its original entry) the entry is refreshed.
 */
static __always_inline int kpf_ct_ended(const struct kpf_tc_config *cfg, const struct kpf_ct_key *key, struct kpf_ct_value *ct, __u64 now)
{
	struct kpf_ct_key other = {};
	kpf_ct_partner(key, ct, &other);
	struct kpf_ct_value *partner = bpf_map_lookup_elem(&kpf_ct, &other);
	if (!partner || !kpf_ct_names(partner, key) || kpf_ct_stale(cfg, partner, key->proto, now))
		return 1;
	ct->last_ns = partner->last_ns;
	return 0;
}

/* The live entry at key (refreshed), or 0; a flow found ended is deleted. */
static __always_inline struct kpf_ct_value *kpf_ct_fresh(const struct kpf_tc_config *cfg, const struct kpf_ct_key *key)
{
	struct kpf_ct_value *ct = bpf_map_lookup_elem(&kpf_ct, key);
	if (!ct)
		return 0;
	__u64 now = bpf_ktime_get_ns();
	if (kpf_ct_stale(cfg, ct, key->proto, now) && kpf_ct_ended(cfg, key, ct, now)) {
		kpf_ct_delete(key, ct);
		return 0;
	}
	ct->last_ns = now;
	return ct;
}

/* A FIN or RST ends the flow soon: both entries get the short closing timeout. */
static __always_inline void kpf_ct_track(const struct kpf_pkt *p, struct kpf_ct_value *ct)
{
	if (!(p->tcp_flags & (KPF_TCP_FIN | KPF_TCP_RST)) || (ct->flags & KPF_CT_CLOSING))
		return;
	ct->flags |= KPF_CT_CLOSING;
	struct kpf_ct_key other = {};
	kpf_ct_partner(&p->tuple, ct, &other);
	struct kpf_ct_value *partner = bpf_map_lookup_elem(&kpf_ct, &other);
	if (partner && kpf_ct_names(partner, &p->tuple))
		partner->flags |= KPF_CT_CLOSING;
}

/* The SNAT source of a family, or 0 when the agent gave none. */
static __always_inline const __u8 *kpf_snat_addr(const struct kpf_tc_config *cfg, __u8 family)
{
	const __u8 *a = family == 4 ? cfg->snat4 : cfg->snat6;
	return kpf_zero_addr(a) ? 0 : a;
}

/* A backend as a flow needs it. */
struct kpf_target {
	__u8 addr[16];
	__be16 port;
	__u32 id;
};

#define KPF_OPEN_OK 0
#define KPF_OPEN_DROP 1

/*
 * Makes the two entries of a new flow from p to target: the reply entry first (with SNAT it claims a free port of
 * kpf's range towards the backend, taking over a port whose flow has ended), then the original. orig is filled in.
 */
static __always_inline int kpf_ct_open(const struct kpf_tc_config *cfg, const struct kpf_pkt *p, const struct kpf_target *target,
				       const __u8 *snat, __u16 rev_nat_id, struct kpf_ct_value *orig)
{
	__u64 now = bpf_ktime_get_ns();
	struct kpf_ct_value reply = {.port = p->tuple.sport, .port2 = p->tuple.dport, .rev_nat_id = rev_nat_id, .flags = KPF_CT_REPLY,
				     .family = p->tuple.family, .last_ns = now, .created_ns = now};
	__builtin_memcpy(reply.addr, p->tuple.saddr, 16);
	__builtin_memcpy(reply.addr2, p->tuple.daddr, 16);
	__builtin_memcpy(orig->addr, target->addr, 16);
	orig->port = target->port;
	orig->rev_nat_id = rev_nat_id;
	orig->family = p->tuple.family;
	orig->last_ns = now;
	orig->created_ns = now;
	struct kpf_ct_key rk = {.sport = target->port, .proto = p->tuple.proto, .family = p->tuple.family};
	__builtin_memcpy(rk.saddr, target->addr, 16);
	if (snat) {
		reply.flags |= KPF_CT_SNAT;
		orig->flags = KPF_CT_SNAT;
		__builtin_memcpy(rk.daddr, snat, 16);
		__u32 range = cfg->port_max > cfg->port_min ? cfg->port_max - cfg->port_min + 1 : 1;
		__u32 start = bpf_get_prandom_u32();
		__be16 port = 0;
		for (int i = 0; i < 32; i++) {
			rk.dport = bpf_htons(cfg->port_min + (start + i * 7919) % range);
			long rc = bpf_map_update_elem(&kpf_ct, &rk, &reply, BPF_NOEXIST);
			if (rc == 0) {
				port = rk.dport;
				break;
			}
			if (rc == -E2BIG) {
				kpf_event(KPF_EV_CT_FULL);
				return KPF_OPEN_DROP;
			}
			/* taken: free again once its flow has ended (both of its entries expired) */
			struct kpf_ct_value *held = bpf_map_lookup_elem(&kpf_ct, &rk);
			if (held && kpf_ct_stale(cfg, held, p->tuple.proto, now) && kpf_ct_ended(cfg, &rk, held, now)) {
				struct kpf_ct_key old = {};
				kpf_ct_partner(&rk, held, &old);
				struct kpf_ct_value *old_orig = bpf_map_lookup_elem(&kpf_ct, &old);
				if (old_orig && kpf_ct_names(old_orig, &rk))
					bpf_map_delete_elem(&kpf_ct, &old);
				if (bpf_map_update_elem(&kpf_ct, &rk, &reply, BPF_EXIST) == 0) {
					kpf_event(KPF_EV_PORT_REUSED);
					port = rk.dport;
					break;
				}
			}
		}
		if (!port) {
			kpf_event(KPF_EV_PORTS_EXHAUSTED);
			return KPF_OPEN_DROP;
		}
		__builtin_memcpy(orig->addr2, snat, 16);
		orig->port2 = port;
	} else {
		__builtin_memcpy(rk.daddr, p->tuple.saddr, 16);
		rk.dport = p->tuple.sport;
		if (bpf_map_update_elem(&kpf_ct, &rk, &reply, BPF_ANY)) {
			kpf_event(KPF_EV_CT_FULL);
			return KPF_OPEN_DROP;
		}
		__builtin_memcpy(orig->addr2, p->tuple.saddr, 16);
		orig->port2 = p->tuple.sport;
	}
	if (bpf_map_update_elem(&kpf_ct, &p->tuple, orig, BPF_ANY)) {
		bpf_map_delete_elem(&kpf_ct, &rk);
		kpf_event(KPF_EV_CT_FULL);
		return KPF_OPEN_DROP;
	}
	return KPF_OPEN_OK;
}

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
			__u32 m = kpf_maglev_m;
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

/* ---- ICMP errors ---- */

/*
 * An ICMP error (destination unreachable, time exceeded; ICMPv6 also packet too big) about a packet of a tracked
 * flow. It quotes the packet the far side saw; reversed, that is the key of the entry made for the other direction:
 *   about a packet sent to a backend (SNAT address or client -> backend): the reply entry (backend -> ...), whose
 *     addr:port -> addr2:port2 is client -> frontend: the error goes to the client, quoting what it sent;
 *   about a reply sent to the client (frontend -> client): the original entry (client -> frontend), whose
 *     addr:port -> addr2:port2 is backend -> SNAT address or client: the error goes to the backend, quoting what
 *     it sent (a "fragmentation needed" or "packet too big" from the client's path lowers the backend's path MTU).
 * Either way: the outer destination becomes addr, the quoted packet addr:port -> addr2:port2.
 */
static __always_inline int kpf_icmp_error(struct __sk_buff *skb, const struct kpf_tc_config *cfg)
{
	__u8 family = kpf_family(skb);
	int l3 = sizeof(struct ethhdr), icmp, inner, iports, icheck = 0;
	__u8 outer_src[16] = {}, old_dst[16] = {}, old_isrc[16] = {}, old_idst[16] = {};
	__u8 type[1], iproto;
	if (family == 4) {
		struct iphdr ip, in;
		if (bpf_skb_load_bytes(skb, l3, &ip, sizeof(ip)) || ip.protocol != IPPROTO_ICMP || ip.ihl != 5 || (ip.frag_off & bpf_htons(0x3fff)))
			return KPF_TC_NEXT;
		icmp = l3 + sizeof(ip);
		inner = icmp + 8;
		if (bpf_skb_load_bytes(skb, icmp, type, 1) || (type[0] != 3 && type[0] != 11))
			return KPF_TC_NEXT;
		if (bpf_skb_load_bytes(skb, inner, &in, sizeof(in)) || in.ihl != 5)
			return KPF_TC_NEXT;
		iproto = in.protocol;
		iports = inner + sizeof(in);
		icheck = inner + offsetof(struct iphdr, check);
		__builtin_memcpy(outer_src, &ip.saddr, 4);
		__builtin_memcpy(old_dst, &ip.daddr, 4);
		__builtin_memcpy(old_isrc, &in.saddr, 4);
		__builtin_memcpy(old_idst, &in.daddr, 4);
	} else if (family == 6) {
		struct ipv6hdr ip, in;
		if (bpf_skb_load_bytes(skb, l3, &ip, sizeof(ip)) || ip.nexthdr != KPF_IPPROTO_ICMPV6)
			return KPF_TC_NEXT;
		icmp = l3 + sizeof(ip);
		inner = icmp + 8;
		if (bpf_skb_load_bytes(skb, icmp, type, 1) || (type[0] != 1 && type[0] != 2 && type[0] != 3))
			return KPF_TC_NEXT;
		if (bpf_skb_load_bytes(skb, inner, &in, sizeof(in)))
			return KPF_TC_NEXT;
		iproto = in.nexthdr;
		iports = inner + sizeof(in);
		__builtin_memcpy(outer_src, &ip.saddr, 16);
		__builtin_memcpy(old_dst, &ip.daddr, 16);
		__builtin_memcpy(old_isrc, &in.saddr, 16);
		__builtin_memcpy(old_idst, &in.daddr, 16);
	} else {
		return KPF_TC_NEXT;
	}
	if (iproto != IPPROTO_TCP && iproto != IPPROTO_UDP)
		return KPF_TC_NEXT;
	__be16 ports[2];
	if (bpf_skb_load_bytes(skb, iports, ports, sizeof(ports)))
		return KPF_TC_NEXT;
	struct kpf_ct_key key = {.sport = ports[1], .dport = ports[0], .proto = iproto, .family = family};
	__builtin_memcpy(key.saddr, old_idst, 16);
	__builtin_memcpy(key.daddr, old_isrc, 16);
	struct kpf_ct_value *ct = kpf_ct_fresh(cfg, &key);
	if (!ct)
		return KPF_TC_NEXT;
	__u8 to[16], from[16];
	__builtin_memcpy(to, ct->addr, 16);
	__builtin_memcpy(from, ct->addr2, 16);
	__be16 to_port = ct->port, from_port = ct->port2;
	int saddr_off, daddr_off, isaddr_off, idaddr_off;
	kpf_ip_offsets(family, l3, &saddr_off, &daddr_off);
	kpf_ip_offsets(family, inner, &isaddr_off, &idaddr_off);
	int csum = icmp + 2;
	__s64 d_dst = kpf_addr_diff(family, old_dst, to), d_isrc = kpf_addr_diff(family, old_isrc, to),
	      d_idst = kpf_addr_diff(family, old_idst, from);
	if (d_dst < 0 || d_isrc < 0 || d_idst < 0)
		return KPF_TC_DROP;
	/* the outer destination: in IPv4's header checksum, in ICMPv6's pseudo-header */
	if (family == 4 ? bpf_l3_csum_replace(skb, l3 + offsetof(struct iphdr, check), 0, d_dst, 0)
			: bpf_l4_csum_replace(skb, csum, 0, d_dst, BPF_F_PSEUDO_HDR))
		return KPF_TC_DROP;
	/* the quoted packet is part of the ICMP message; an IPv4 one has its own header checksum as well */
	__u16 old_check = 0, new_check = 0;
	if (family == 4 && (bpf_skb_load_bytes(skb, icheck, &old_check, 2) || bpf_l3_csum_replace(skb, icheck, 0, d_isrc, 0) ||
			    bpf_l3_csum_replace(skb, icheck, 0, d_idst, 0) || bpf_skb_load_bytes(skb, icheck, &new_check, 2)))
		return KPF_TC_DROP;
	if (bpf_l4_csum_replace(skb, csum, 0, d_isrc, 0) || bpf_l4_csum_replace(skb, csum, 0, d_idst, 0) ||
	    bpf_l4_csum_replace(skb, csum, ports[0], to_port, 2) || bpf_l4_csum_replace(skb, csum, ports[1], from_port, 2) ||
	    bpf_l4_csum_replace(skb, csum, old_check, new_check, 2))
		return KPF_TC_DROP;
	if (kpf_store_addr(skb, daddr_off, family, to) || kpf_store_addr(skb, isaddr_off, family, to) ||
	    kpf_store_addr(skb, idaddr_off, family, from) || bpf_skb_store_bytes(skb, iports, &to_port, 2, 0) ||
	    bpf_skb_store_bytes(skb, iports + 2, &from_port, 2, 0))
		return KPF_TC_DROP;
	kpf_event(KPF_EV_ICMP);
	return kpf_forward(skb, family, outer_src, to, family == 4 ? IPPROTO_ICMP : KPF_IPPROTO_ICMPV6);
}

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
