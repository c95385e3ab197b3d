/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tc datapath's conntrack (included by kpf_tc.h; the design is in its header comment): timeouts, a flow's two
 * entries and how they name each other, expiry, closing, and opening a flow with its SNAT port.
 */
#ifndef KPF_TC_CT_H
#define KPF_TC_CT_H

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
			/*
			 * compared as int: the kernel calls a hash map's update directly, and before 6.4 its result is an
			 * int that can reach the program zero-extended (-EEXIST arrived as 0xffffffef on 5.10, measured)
			 */
			int rc = (int)bpf_map_update_elem(&kpf_ct, &rk, &reply, BPF_NOEXIST);
			if (rc == 0) {
				port = rk.dport;
				break;
			}
			if (rc != -EEXIST) {
				/* the map is full (E2BIG), or the kernel could not allocate an entry (ENOMEM) */
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

#endif
