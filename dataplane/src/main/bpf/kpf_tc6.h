/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The IPv6 half of kpf's tc datapath (included by kpf_tc.h): the same translation as for IPv4 (conntrack, SNAT for
 * externalTrafficPolicy Cluster, client address kept for Local, replies back, FIN/RST ending flows), with 16-byte
 * addresses. IPv6 has no header checksum; the L4 checksum covers the addresses through the pseudo-header, so an
 * address change is folded in with bpf_csum_diff. Packets with extension headers pass untouched.
 */
#ifndef KPF_TC6_H
#define KPF_TC6_H

#include <linux/ipv6.h>

#define AF_INET6 10

KPF_MAP(kpf_ct6, BPF_MAP_TYPE_LRU_HASH, struct kpf_ct6_key, struct kpf_ct6_value, 131072);
KPF_MAP(kpf_tc_config6, BPF_MAP_TYPE_ARRAY, __u32, struct kpf_tc_config6, 1);

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 65536);
	__type(key, struct kpf_srcrange6_key);
	__type(value, __u8);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} kpf_srcrange6 SEC(".maps");

/* A flow's hash for Maglev (IPv6): the addresses folded to 32 bits, then as for IPv4. */
static __always_inline __u32 kpf_hash6(const struct kpf_ct6_key *t)
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

struct kpf_pkt6 {
	struct kpf_ct6_key tuple;
	int l3;
	int l4;
	__u8 tcp_flags;
};

static __always_inline int kpf_parse6(struct __sk_buff *skb, struct kpf_pkt6 *p)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IPV6))
		return 0;
	struct ipv6hdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || (ip->nexthdr != IPPROTO_TCP && ip->nexthdr != IPPROTO_UDP))
		return 0;
	int l4 = sizeof(*eth) + sizeof(*ip);
	__be16 *ports = data + l4;
	if ((void *)(ports + 2) > end)
		return 0;
	if (ip->nexthdr == IPPROTO_TCP) {
		__u8 *flags = data + l4 + 13;
		if ((void *)(flags + 1) > end)
			return 0;
		p->tcp_flags = *flags;
	}
	__builtin_memcpy(p->tuple.saddr, &ip->saddr, 16);
	__builtin_memcpy(p->tuple.daddr, &ip->daddr, 16);
	p->tuple.sport = ports[0];
	p->tuple.dport = ports[1];
	p->tuple.proto = ip->nexthdr;
	p->l3 = sizeof(*eth);
	p->l4 = l4;
	return 1;
}

static __always_inline int kpf_same6(const __u8 *a, const __u8 *b)
{
	const __u64 *x = (const void *)a, *y = (const void *)b;
	return x[0] == y[0] && x[1] == y[1];
}

/* Rewrites the source (is_src) or destination address and port, folding the change into the L4 checksum. */
static __always_inline int kpf_rewrite6(struct __sk_buff *skb, const struct kpf_pkt6 *p, int is_src, const __u8 *old_ip,
					const __u8 *new_ip, __be16 old_port, __be16 new_port)
{
	int ip_off = p->l3 + (is_src ? offsetof(struct ipv6hdr, saddr) : offsetof(struct ipv6hdr, daddr));
	int port_off = p->l4 + (is_src ? 0 : 2);
	int csum_off = p->l4 + (p->tuple.proto == IPPROTO_TCP ? 16 : 6);
	if (!kpf_same6(old_ip, new_ip)) {
		__u8 from[16], to[16];
		__builtin_memcpy(from, old_ip, 16);
		__builtin_memcpy(to, new_ip, 16);
		__s64 diff = bpf_csum_diff((__be32 *)from, 16, (__be32 *)to, 16, 0);
		if (diff < 0 || bpf_l4_csum_replace(skb, csum_off, 0, diff, BPF_F_PSEUDO_HDR))
			return -1;
		if (bpf_skb_store_bytes(skb, ip_off, to, 16, 0))
			return -1;
	}
	if (old_port != new_port) {
		if (bpf_l4_csum_replace(skb, csum_off, old_port, new_port, 2))
			return -1;
		if (bpf_skb_store_bytes(skb, port_off, &new_port, 2, 0))
			return -1;
	}
	return 0;
}

static __always_inline int kpf_forward6(struct __sk_buff *skb, const __u8 *saddr, const __u8 *daddr, __u8 proto)
{
	struct bpf_fib_lookup fib = {};
	fib.family = AF_INET6;
	fib.l4_protocol = proto;
	__builtin_memcpy(fib.ipv6_src, saddr, 16);
	__builtin_memcpy(fib.ipv6_dst, daddr, 16);
	fib.ifindex = skb->ingress_ifindex;
	long rc = bpf_fib_lookup(skb, &fib, sizeof(fib), 0);
	if ((rc == BPF_FIB_LKUP_RET_SUCCESS || rc == BPF_FIB_LKUP_RET_NO_NEIGH) && fib.ifindex)
		return bpf_redirect_neigh(fib.ifindex, 0, 0, 0);
	return KPF_TC_NEXT;
}

static __always_inline struct kpf_ct6_value *kpf_ct6_fresh(struct kpf_ct6_key *key)
{
	struct kpf_ct6_value *ct = bpf_map_lookup_elem(&kpf_ct6, key);
	if (!ct)
		return 0;
	__u64 now = bpf_ktime_get_ns();
	__u64 timeout = (ct->flags & KPF_CT_CLOSING) ? KPF_CT_CLOSING_TIMEOUT_NS
						       : key->proto == IPPROTO_TCP ? KPF_CT_TCP_TIMEOUT_NS : KPF_CT_UDP_TIMEOUT_NS;
	if (now - ct->last_ns > timeout) {
		bpf_map_delete_elem(&kpf_ct6, key);
		return 0;
	}
	ct->last_ns = now;
	return ct;
}

static __always_inline void kpf_ct6_track(const struct kpf_pkt6 *p, struct kpf_ct6_value *ct)
{
	if (!(p->tcp_flags & (KPF_TCP_FIN | KPF_TCP_RST)) || (ct->flags & KPF_CT_CLOSING))
		return;
	ct->flags |= KPF_CT_CLOSING;
	struct kpf_ct6_key other = {.proto = p->tuple.proto};
	if (ct->flags & KPF_CT_REPLY) {
		__builtin_memcpy(other.saddr, (ct->flags & KPF_CT_SNAT) ? ct->addr : p->tuple.daddr, 16);
		other.sport = (ct->flags & KPF_CT_SNAT) ? ct->port : p->tuple.dport;
		__builtin_memcpy(other.daddr, ct->addr2, 16);
		other.dport = ct->port2;
	} else {
		__builtin_memcpy(other.saddr, ct->addr, 16);
		other.sport = ct->port;
		__builtin_memcpy(other.daddr, (ct->flags & KPF_CT_SNAT) ? ct->addr2 : p->tuple.saddr, 16);
		other.dport = (ct->flags & KPF_CT_SNAT) ? ct->port2 : p->tuple.sport;
	}
	struct kpf_ct6_value *partner = bpf_map_lookup_elem(&kpf_ct6, &other);
	if (partner)
		partner->flags |= KPF_CT_CLOSING;
}

static __always_inline int kpf_reply6(struct __sk_buff *skb, struct kpf_pkt6 *p, const struct kpf_ct6_value *ct, int redirect)
{
	__u8 daddr[16];
	__builtin_memcpy(daddr, p->tuple.daddr, 16);
	if (ct->flags & KPF_CT_SNAT) {
		if (kpf_rewrite6(skb, p, 0, p->tuple.daddr, ct->addr, p->tuple.dport, ct->port))
			return KPF_TC_DROP;
		__builtin_memcpy(daddr, ct->addr, 16);
	}
	if (kpf_rewrite6(skb, p, 1, p->tuple.saddr, ct->addr2, p->tuple.sport, ct->port2))
		return KPF_TC_DROP;
	return redirect ? kpf_forward6(skb, ct->addr2, daddr, p->tuple.proto) : KPF_TC_NEXT;
}

/* Folds a 16-byte change into the checksum at csum_off (with the pseudo-header flag for the outer addresses). */
static __always_inline int kpf_csum6(struct __sk_buff *skb, int csum_off, const __u8 *old, const __u8 *new, __u64 flags)
{
	__u8 from[16], to[16];
	__builtin_memcpy(from, old, 16);
	__builtin_memcpy(to, new, 16);
	__s64 diff = bpf_csum_diff((__be32 *)from, 16, (__be32 *)to, 16, 0);
	if (diff < 0)
		return -1;
	return bpf_l4_csum_replace(skb, csum_off, 0, diff, flags) ? -1 : 0;
}

/*
 * An ICMPv6 error (destination unreachable, time exceeded) about a packet kpf sent to a backend (with SNAT or
 * without), quoting the packet as the client sent it, as for IPv4. The ICMPv6 checksum covers the outer
 * addresses (pseudo-header) and the quoted packet.
 */
static __always_inline int kpf_icmp6_error(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IPV6))
		return KPF_TC_NEXT;
	struct ipv6hdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->nexthdr != 58 /* ICMPv6 */)
		return KPF_TC_NEXT;
	__u8 *icmp = (void *)(ip + 1);
	if ((void *)(icmp + 8) > end || (icmp[0] != 1 && icmp[0] != 3))
		return KPF_TC_NEXT;
	struct ipv6hdr *inner = (void *)(icmp + 8);
	if ((void *)(inner + 1) > end || (inner->nexthdr != IPPROTO_TCP && inner->nexthdr != IPPROTO_UDP))
		return KPF_TC_NEXT;
	__be16 *ports = (void *)(inner + 1);
	if ((void *)(ports + 2) > end)
		return KPF_TC_NEXT;
	struct kpf_ct6_key rk = {.sport = ports[1], .dport = ports[0], .proto = inner->nexthdr};
	__builtin_memcpy(rk.saddr, &inner->daddr, 16);
	__builtin_memcpy(rk.daddr, &inner->saddr, 16);
	__u8 outer_src[16], old_dst[16], old_isrc[16], old_idst[16];
	__builtin_memcpy(outer_src, &ip->saddr, 16);
	__builtin_memcpy(old_dst, &ip->daddr, 16);
	__builtin_memcpy(old_isrc, &inner->saddr, 16);
	__builtin_memcpy(old_idst, &inner->daddr, 16);
	__be16 old_isport = ports[0], old_idport = ports[1];
	struct kpf_ct6_value *ct = kpf_ct6_fresh(&rk);
	if (!ct || !(ct->flags & KPF_CT_REPLY))
		return KPF_TC_NEXT;
	/* with SNAT the error came to the node and goes on to the client; without, it is on its way to the client already */
	__u8 client[16], frontend[16];
	__builtin_memcpy(client, ct->addr, 16);
	__builtin_memcpy(frontend, ct->addr2, 16);
	__be16 client_port = ct->port, frontend_port = ct->port2;
	int l3 = sizeof(*eth), icmp_off = l3 + sizeof(*ip), inner_off = icmp_off + 8, iports = inner_off + sizeof(*inner);
	int csum = icmp_off + 2;
	if (kpf_csum6(skb, csum, old_dst, client, BPF_F_PSEUDO_HDR) || kpf_csum6(skb, csum, old_isrc, client, 0) ||
	    kpf_csum6(skb, csum, old_idst, frontend, 0) || bpf_l4_csum_replace(skb, csum, old_isport, client_port, 2) ||
	    bpf_l4_csum_replace(skb, csum, old_idport, frontend_port, 2))
		return KPF_TC_DROP;
	if (bpf_skb_store_bytes(skb, l3 + offsetof(struct ipv6hdr, daddr), client, 16, 0) ||
	    bpf_skb_store_bytes(skb, inner_off + offsetof(struct ipv6hdr, saddr), client, 16, 0) ||
	    bpf_skb_store_bytes(skb, inner_off + offsetof(struct ipv6hdr, daddr), frontend, 16, 0) ||
	    bpf_skb_store_bytes(skb, iports, &client_port, 2, 0) || bpf_skb_store_bytes(skb, iports + 2, &frontend_port, 2, 0))
		return KPF_TC_DROP;
	return kpf_forward6(skb, outer_src, client, 58);
}

static __always_inline int kpf_ingress6(struct __sk_buff *skb)
{
	struct kpf_pkt6 p = {};
	if (!kpf_parse6(skb, &p))
		return kpf_icmp6_error(skb);
	struct kpf_ct6_key key = p.tuple;
	struct kpf_ct6_value *ct = kpf_ct6_fresh(&key);
	if (ct)
		kpf_ct6_track(&p, ct);
	if (ct && (ct->flags & KPF_CT_REPLY))
		return kpf_reply6(skb, &p, ct, 1);
	if (ct && (p.tcp_flags & (KPF_TCP_SYN | KPF_TCP_ACK)) == KPF_TCP_SYN && bpf_ktime_get_ns() - ct->created_ns > KPF_CT_SYN_REUSE_NS) {
		bpf_map_delete_elem(&kpf_ct6, &key);
		ct = 0;
	}
	__u8 saddr[16];
	__builtin_memcpy(saddr, p.tuple.saddr, 16);
	if (ct) {
		__u8 to[16];
		__builtin_memcpy(to, ct->addr, 16);
		if (kpf_rewrite6(skb, &p, 0, p.tuple.daddr, ct->addr, p.tuple.dport, ct->port))
			return KPF_TC_DROP;
		if (ct->flags & KPF_CT_SNAT) {
			if (kpf_rewrite6(skb, &p, 1, p.tuple.saddr, ct->addr2, p.tuple.sport, ct->port2))
				return KPF_TC_DROP;
			__builtin_memcpy(saddr, ct->addr2, 16);
		}
		return kpf_forward6(skb, saddr, to, p.tuple.proto);
	}
	struct kpf_svc6_key skey = {.port = p.tuple.dport, .proto = p.tuple.proto, .scope = KPF_SCOPE_EXTERNAL};
	__builtin_memcpy(skey.addr, p.tuple.daddr, 16);
	struct kpf_svc_value *svc = bpf_map_lookup_elem(&kpf_svc6, &skey);
	if (!svc)
		return KPF_TC_NEXT;
	__u16 rev_nat_id = svc->rev_nat_id;
	if (svc->count == 0) {
		kpf_count(KPF_STAT_FRONTEND, rev_nat_id, 1);
		return KPF_TC_DROP;
	}
	if (svc->flags & KPF_SVC_SOURCE_RANGES) {
		struct kpf_srcrange6_key rk = {.prefixlen = KPF_SRCRANGE6_FRONTEND_BITS + 128, .fport = p.tuple.dport, .proto = p.tuple.proto};
		__builtin_memcpy(rk.faddr, p.tuple.daddr, 16);
		__builtin_memcpy(rk.saddr, p.tuple.saddr, 16);
		if (!bpf_map_lookup_elem(&kpf_srcrange6, &rk)) {
			kpf_count(KPF_STAT_FRONTEND, rev_nat_id, 1);
			return KPF_TC_DROP;
		}
	}
	int snat = !(svc->flags & KPF_SVC_TWO_SCOPE);
	__u32 backend_id = 0;
	struct kpf_backend6 *backend = 0;
	if (svc->flags & KPF_SVC_MAGLEV) {
		__u32 mk = rev_nat_id;
		struct kpf_maglev *mg = bpf_map_lookup_elem(&kpf_maglev4, &mk); /* one table map: rev-NAT ids are shared by both families */
		if (mg) {
			__u32 m = kpf_maglev_m;
			__u32 idx = m ? kpf_hash6(&p.tuple) % m : 0;
			asm volatile("" : "+r"(idx));
			if (idx < m) {
				backend_id = mg->backend_ids[idx];
				backend = bpf_map_lookup_elem(&kpf_backends6, &backend_id);
			}
		}
	}
	if (!backend) {
		skey.slot = (bpf_get_prandom_u32() % svc->count) + 1;
		struct kpf_svc_value *slot = bpf_map_lookup_elem(&kpf_svc6, &skey);
		if (!slot)
			return KPF_TC_NEXT;
		backend_id = slot->backend_id;
		backend = bpf_map_lookup_elem(&kpf_backends6, &backend_id);
		if (!backend)
			return KPF_TC_NEXT;
	}
	__u64 now = bpf_ktime_get_ns();
	struct kpf_ct6_value orig = {.port = backend->port, .rev_nat_id = rev_nat_id, .last_ns = now, .created_ns = now};
	__builtin_memcpy(orig.addr, backend->addr, 16);
	struct kpf_ct6_value reply = {.port = p.tuple.sport, .port2 = p.tuple.dport, .rev_nat_id = rev_nat_id, .flags = KPF_CT_REPLY,
				      .last_ns = now, .created_ns = now};
	__builtin_memcpy(reply.addr, p.tuple.saddr, 16);
	__builtin_memcpy(reply.addr2, p.tuple.daddr, 16);
	if (snat) {
		__u32 zero = 0, zero4 = 0;
		struct kpf_tc_config6 *cfg6 = bpf_map_lookup_elem(&kpf_tc_config6, &zero);
		struct kpf_tc_config *cfg = bpf_map_lookup_elem(&kpf_tc_config, &zero4);
		if (!cfg6 || !cfg || (((__u64 *)cfg6->snat6)[0] == 0 && ((__u64 *)cfg6->snat6)[1] == 0))
			return KPF_TC_NEXT; /* the agent has not said which address to use */
		reply.flags |= KPF_CT_SNAT;
		__u32 range = cfg->port_max > cfg->port_min ? cfg->port_max - cfg->port_min + 1 : 1;
		__u32 start = bpf_get_prandom_u32();
		__be16 port = 0;
		for (int i = 0; i < 32; i++) {
			__be16 candidate = bpf_htons(cfg->port_min + (start + i * 7919) % range);
			struct kpf_ct6_key rk = {.sport = backend->port, .dport = candidate, .proto = p.tuple.proto};
			__builtin_memcpy(rk.saddr, backend->addr, 16);
			__builtin_memcpy(rk.daddr, cfg6->snat6, 16);
			if (bpf_map_update_elem(&kpf_ct6, &rk, &reply, BPF_NOEXIST) == 0) {
				port = candidate;
				break;
			}
			struct kpf_ct6_value *held = bpf_map_lookup_elem(&kpf_ct6, &rk);
			if (held && (held->flags & KPF_CT_CLOSING) && now - held->last_ns > KPF_CT_CLOSING_TIMEOUT_NS &&
			    bpf_map_update_elem(&kpf_ct6, &rk, &reply, BPF_EXIST) == 0) {
				port = candidate;
				break;
			}
		}
		if (!port)
			return KPF_TC_DROP;
		orig.flags = KPF_CT_SNAT;
		__builtin_memcpy(orig.addr2, cfg6->snat6, 16);
		orig.port2 = port;
	} else {
		struct kpf_ct6_key rk = {.sport = backend->port, .dport = p.tuple.sport, .proto = p.tuple.proto};
		__builtin_memcpy(rk.saddr, backend->addr, 16);
		__builtin_memcpy(rk.daddr, p.tuple.saddr, 16);
		bpf_map_update_elem(&kpf_ct6, &rk, &reply, BPF_ANY);
	}
	bpf_map_update_elem(&kpf_ct6, &key, &orig, BPF_ANY);
	kpf_count(KPF_STAT_FRONTEND, rev_nat_id, 0);
	kpf_count(KPF_STAT_BACKEND, backend_id | KPF_STAT_V6_BIT, 0);
	if (kpf_rewrite6(skb, &p, 0, p.tuple.daddr, orig.addr, p.tuple.dport, orig.port))
		return KPF_TC_DROP;
	if (snat) {
		if (kpf_rewrite6(skb, &p, 1, p.tuple.saddr, orig.addr2, p.tuple.sport, orig.port2))
			return KPF_TC_DROP;
		__builtin_memcpy(saddr, orig.addr2, 16);
	}
	return kpf_forward6(skb, saddr, orig.addr, p.tuple.proto);
}

static __always_inline int kpf_egress6(struct __sk_buff *skb)
{
	struct kpf_pkt6 p = {};
	if (!kpf_parse6(skb, &p))
		return KPF_TC_NEXT;
	struct kpf_ct6_key key = p.tuple;
	struct kpf_ct6_value *ct = kpf_ct6_fresh(&key);
	if (!ct || !(ct->flags & KPF_CT_REPLY) || (ct->flags & KPF_CT_SNAT))
		return KPF_TC_NEXT;
	kpf_ct6_track(&p, ct);
	return kpf_reply6(skb, &p, ct, 0);
}

#endif
