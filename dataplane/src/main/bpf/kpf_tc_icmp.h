/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tc datapath's ICMP and ICMPv6 errors about tracked flows, both directions (included by kpf_tc.h).
 */
#ifndef KPF_TC_ICMP_H
#define KPF_TC_ICMP_H

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

#endif
