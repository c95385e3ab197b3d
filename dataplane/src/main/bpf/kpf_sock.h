/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Map layouts shared by kpf_sock.bpf.c and the agent (dev.kpf.dataplane.bpf.MapLayout mirrors them byte for
 * byte; a test compares the two). KPF_LAYOUT_VERSION changes whenever any of them changes.
 */
#ifndef KPF_SOCK_H
#define KPF_SOCK_H

#include <linux/types.h>

#define KPF_LAYOUT_VERSION 2

/* frontend scopes: EXTERNAL is the only entry of most frontends; INTERNAL exists for externalTrafficPolicy: Local */
#define KPF_SCOPE_EXTERNAL 0
#define KPF_SCOPE_INTERNAL 1

/* flags of the slot-0 value */
#define KPF_SVC_AFFINITY  (1u << 0) /* ClientIP affinity: affinity_timeout is set */
#define KPF_SVC_TWO_SCOPE (1u << 1) /* an INTERNAL-scope entry exists for traffic from the node */
#define KPF_SVC_SOURCE_RANGES (1u << 2) /* traffic from outside must come from loadBalancerSourceRanges (kpf_srcrange4) */
#define KPF_SVC_MAGLEV (1u << 3) /* traffic from outside picks its backend in the frontend's Maglev table (kpf_maglev4) */

/* backend flags */
#define KPF_BACKEND_TERMINATING (1u << 0)
#define KPF_BACKEND_LOCAL       (1u << 1)

/* meta array slots */
#define KPF_META_LAYOUT     0
#define KPF_META_GENERATION 1

/* stats keys */
#define KPF_STAT_FRONTEND 0
#define KPF_STAT_BACKEND  1

struct kpf_svc4_key {
	__be32 addr;
	__be16 port;
	__u8 proto;
	__u8 scope;
	__u16 slot;   /* 0: the service entry; 1..count: backend slots */
	__u16 pad;
};

struct kpf_svc6_key {
	__u8 addr[16];
	__be16 port;
	__u8 proto;
	__u8 scope;
	__u16 slot;
	__u16 pad;
};

/* slot 0: count, rev_nat_id, flags, affinity_timeout; slot n: backend_id */
struct kpf_svc_value {
	__u32 backend_id;
	__u16 count;
	__u16 rev_nat_id;
	__u32 flags;
	__u32 affinity_timeout; /* seconds */
};

struct kpf_backend4 {
	__be32 addr;
	__be16 port;
	__u8 proto;
	__u8 flags;
};

struct kpf_backend6 {
	__u8 addr[16];
	__be16 port;
	__u8 proto;
	__u8 flags;
};

struct kpf_revnat4 {
	__be32 addr;
	__be16 port;
	__u16 pad;
};

struct kpf_revnat6 {
	__u8 addr[16];
	__be16 port;
	__u16 pad;
};

/* reverse translation for a socket: (socket cookie, backend address, port) -> frontend */
struct kpf_sk_revnat4_key {
	__u64 cookie;
	__be32 addr;
	__be16 port;
	__u16 pad;
};

struct kpf_sk_revnat4_value {
	__be32 addr;
	__be16 port;
	__u16 rev_nat_id;
};

struct kpf_sk_revnat6_key {
	__u64 cookie;
	__u8 addr[16];
	__be16 port;
	__u16 pad;
	__u32 pad2;
};

struct kpf_sk_revnat6_value {
	__u8 addr[16];
	__be16 port;
	__u16 rev_nat_id;
};

/* ClientIP affinity at the socket level: the client is identified by its network namespace */
struct kpf_affinity_key {
	__u64 netns_cookie;
	__u32 rev_nat_id;
	__u32 family; /* 4 or 6 */
};

struct kpf_affinity_value {
	__u64 last_used_ns;
	__u32 backend_id;
	__u32 pad;
};

/* ClientIP affinity of clients outside the node (tc): the client is its address (IPv4 in the first 4 bytes) */
struct kpf_ext_affinity_key {
	__u8 client[16];
	__u32 rev_nat_id;
	__u32 family; /* 4 or 6 */
};

/*
 * The backends of each entry of a frontend with ClientIP affinity: an affinity entry is used only while its backend is
 * still one of the entry's, so a client is never sent to a backend its Service dropped, nor to another Service's
 * backend that took a freed id. scoped_rev_nat_id: the rev-NAT id with the entry's scope in bit 16 (both scopes share
 * the id, not the backends); backend_id carries the family in KPF_STAT_V6_BIT.
 */
struct kpf_aff_member_key {
	__u32 scoped_rev_nat_id;
	__u32 backend_id;
};

/* kpf_sock_destroy.bpf.c: a backend that left a UDP frontend (its rev-NAT id); IPv4 addresses use the first 4 bytes */
struct kpf_gone_key {
	__u32 rev_nat_id;
	__be16 port;
	__u8 family; /* 4 or 6 */
	__u8 pad;
	__u8 addr[16];
};

struct kpf_stat_key {
	__u32 kind; /* KPF_STAT_FRONTEND: id is a rev_nat_id; KPF_STAT_BACKEND: id is a backend_id (family in the top bit) */
	__u32 id;
};

struct kpf_stat_value {
	__u64 connects;
	__u64 refused;
};

#define KPF_STAT_V6_BIT (1u << 31)

/* what a rev_nat_id stands for, written by the agent for readers without an agent: "TYPE\tns/name:port" */
struct kpf_name {
	char text[128];
};


/* ---- the tc datapath (kpf_tc.h): conntrack, SNAT configuration, source ranges, Maglev ---- */

/*
 * A flow as packets carry it, for both families (IPv4 addresses fill the first 4 bytes, the rest is zero): client ->
 * frontend (original) or backend -> SNAT address or client (reply). One map holds both families' flows.
 */
struct kpf_ct_key {
	__u8 saddr[16];
	__u8 daddr[16];
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 family; /* 4 or 6 */
	__u8 pad[2];
};

/*
 * original: addr:port = backend, addr2:port2 = the source the backend sees (the SNAT address and port with
 *           KPF_CT_SNAT, else the client)
 * reply:    addr:port = client, addr2:port2 = frontend
 * Either way the other entry of the flow is keyed addr:port -> addr2:port2, so an entry names its partner and the
 * two are created, refreshed as one, and deleted together.
 */
struct kpf_ct_value {
	__u8 addr[16];
	__u8 addr2[16];
	__be16 port;
	__be16 port2;
	__u16 rev_nat_id;
	__u8 flags;
	__u8 family; /* 4 or 6, as in the key */
	__u64 last_ns;
	__u64 created_ns;
};

/* kpf_ct_value flags */
#define KPF_CT_SNAT    (1u << 0)
#define KPF_CT_REPLY   (1u << 1)
#define KPF_CT_CLOSING (1u << 2) /* a FIN or RST was seen: the flow (and its SNAT port) is free again soon */

/*
 * Written by the agent: the SNAT sources (IPv4 in the first 4 bytes of snat4; all zero: flows of that family that
 * need SNAT pass untranslated), the port range kpf allocates from, and the conntrack timeouts in seconds (0: the
 * built-in default).
 */
struct kpf_tc_config {
	__u8 snat4[16];
	__u8 snat6[16];
	__u16 port_min;
	__u16 port_max;
	__u32 tcp_timeout_s;
	__u32 udp_timeout_s;
	__u32 closing_timeout_s;
};

/* the timeouts a zero in kpf_tc_config stands for (the agent's defaults, ConntrackConfig.DEFAULT) */
#define KPF_CT_TCP_TIMEOUT_S (2 * 3600)
#define KPF_CT_UDP_TIMEOUT_S 120
#define KPF_CT_CLOSING_TIMEOUT_S 10

/* kpf_tc_events (a per-CPU array of __u64): what the tc datapath did that a user may need to see */
#define KPF_EV_CT_FULL         0 /* a new flow dropped: the conntrack map is full (or an entry could not be allocated) */
#define KPF_EV_PORTS_EXHAUSTED 1 /* a new flow dropped: no free SNAT port towards its backend */
#define KPF_EV_FRAGMENT        2 /* a first fragment to a frontend dropped (fragments are not translated) */
#define KPF_EV_ICMP            3 /* an ICMP or ICMPv6 error translated for a flow */
#define KPF_EV_PORT_REUSED     4 /* a SNAT port taken over from a flow that had expired */
#define KPF_EV_COUNT           8

/* loadBalancerSourceRanges: (frontend, client prefix) -> 1; prefixlen counts the 56 frontend bits plus the CIDR's */
struct kpf_srcrange4_key {
	__u32 prefixlen;
	__be32 faddr;
	__be16 fport;
	__u8 proto;
	__be32 saddr;
} __attribute__((packed));

#define KPF_SRCRANGE4_FRONTEND_BITS 56

/*
 * The programs' constants, set in .rodata before load (the verifier sees them as known values and removes the code
 * they switch off, so a helper the kernel lacks is never seen): the Maglev table size the agent chose (a prime <=
 * KPF_MAGLEV_M), and whether the kernel has bpf_set_retval (5.18) for ECONNREFUSED (without it a refused connect
 * fails with EPERM).
 */
struct kpf_rodata {
	__u32 maglev_m;
	__u32 has_set_retval;
};

/* Maglev lookup tables of external frontends (kpf agent --lb-algorithm maglev), by rev-NAT id; M is a prime */
#define KPF_MAGLEV_M 1021
struct kpf_maglev {
	__u32 backend_ids[KPF_MAGLEV_M];
};

/* loadBalancerSourceRanges of IPv6 frontends: prefixlen counts the 152 frontend bits plus the CIDR's */
struct kpf_srcrange6_key {
	__u32 prefixlen;
	__u8 faddr[16];
	__be16 fport;
	__u8 proto;
	__u8 saddr[16];
} __attribute__((packed));

#define KPF_SRCRANGE6_FRONTEND_BITS 152

/* ---- tracing (kpf trace): one ring buffer per tracer, switched on by a mask in kpf_trace_cfg ---- */

#define KPF_TRACE_SLOTS 8
#define KPF_TRACE_RING_BYTES (256 * 1024)

/* where an event comes from */
#define KPF_HOOK_CONNECT     1
#define KPF_HOOK_SENDMSG     2
#define KPF_HOOK_RECVMSG     3
#define KPF_HOOK_GETPEERNAME 4

/* what happened */
#define KPF_TRACE_TRANSLATED  1 /* a backend was picked (connect, sendmsg) or a backend shown as its frontend (recvmsg, getpeername) */
#define KPF_TRACE_AFFINITY    2 /* the ClientIP-affinity backend was picked */
#define KPF_TRACE_REFUSED     3 /* a frontend without backends: ECONNREFUSED */
#define KPF_TRACE_NOT_SERVICE 4 /* connect or sendmsg to an address that is no frontend */

/* kpf_trace_config.flags: some tracer wants KPF_TRACE_NOT_SERVICE events (otherwise they are not written) */
#define KPF_TRACE_WANT_NOT_SERVICE 1

/* the tracer of a slot, for messages and so that only it frees its slot (start_ms: the process's start time) */
struct kpf_trace_owner {
	__u32 pid;
	__u32 flags; /* what this tracer wants (KPF_TRACE_WANT_*); the config's flags are those of all tracers */
	__u64 start_ms;
};

/*
 * slot 0 of kpf_trace_cfg; the programs read the mask (bit n: ring n of kpf_trace_rings is in use) and count in
 * lost[n] the events ring n had no room for
 */
struct kpf_trace_config {
	__u32 mask;
	__u32 flags;
	struct kpf_trace_owner owners[KPF_TRACE_SLOTS];
	__u64 lost[KPF_TRACE_SLOTS];
};

/* one translation; IPv4 addresses use the first 4 bytes */
struct kpf_trace_event {
	__u64 time_ns;       /* CLOCK_MONOTONIC */
	__u64 cgroup_id;
	__u64 netns_cookie;
	__u64 socket_cookie;
	__u32 pid;
	__u32 backend_id;    /* 0 when not known (recvmsg, getpeername, refused) */
	__u16 rev_nat_id;
	__u8 family;         /* 4 or 6 */
	__u8 proto;
	__u8 hook;
	__u8 outcome;
	__be16 vip_port;
	__be16 backend_port;
	__u16 pad;
	__u8 vip[16];
	__u8 backend[16];
	char comm[16];
};

#endif
