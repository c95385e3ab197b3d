/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tc datapath's packet steps for both families (included by kpf_tc.h): addresses as 16 bytes (IPv4 in the
 * first 4), parsing into struct kpf_pkt, rewriting an address and port with their checksums, forwarding.
 */
#ifndef KPF_TC_PKT_H
#define KPF_TC_PKT_H

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

static __always_inline void kpf_ip_offsets(__u8 family, int l3, int *saddr, int *daddr)
{
	*saddr = l3 + (family == 4 ? offsetof(struct iphdr, saddr) : offsetof(struct ipv6hdr, saddr));
	*daddr = l3 + (family == 4 ? offsetof(struct iphdr, daddr) : offsetof(struct ipv6hdr, daddr));
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

#endif
