package dev.kpf.dataplane.bpf;

import dev.kpf.probes.bpf.MapCodec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import dev.kpf.dataplane.model.IpAddress;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Byte layouts of kpf_sock.h's structs. Addresses and ports are in network order (as the kernel's socket
 * context has them); everything else is in host order. {@code MapLayoutTest} checks sizes and offsets against C.
 */
final class Codecs {
    private Codecs() {}

    private static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.nativeOrder());

    static void zero(MemorySegment s, long o, int size) {
        s.asSlice(o, size).fill((byte) 0);
    }

    /** An IPv4 address in network order, at any offset. */
    private static final ValueLayout.OfInt BE32_ADDR = ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);

    static void addr(MemorySegment s, long o, InetAddress a, int len) {
        if (len == 4 && a instanceof java.net.Inet4Address v4) { // the common case, without getAddress()'s copy
            s.set(BE32_ADDR, o, dev.kpf.dataplane.model.IpAddresses.v4Bits(v4));
            return;
        }
        byte[] b = a.getAddress();
        if (b.length != len) throw new IllegalArgumentException("expected an IPv" + (len == 4 ? 4 : 6) + " address: " + a);
        MemorySegment.copy(b, 0, s, ValueLayout.JAVA_BYTE, o, len);
    }

    static void addr(MemorySegment s, long o, IpAddress a, int len) {
        if (len == 4 && a instanceof IpAddress.V4 v4) {
            s.set(BE32_ADDR, o, v4.bits());
            return;
        }
        if (a.isV4() != (len == 4)) throw new IllegalArgumentException("expected an IPv" + (len == 4 ? 4 : 6) + " address: " + a);
        MemorySegment.copy(a.bytes(), 0, s, ValueLayout.JAVA_BYTE, o, len);
    }

    /** The address at {@code o} in compact form (an IPv4 one read as one word). */
    static IpAddress ip(MemorySegment s, long o, int len) {
        if (len == 4) return new IpAddress.V4(s.get(BE32_ADDR, o));
        byte[] b = new byte[len];
        MemorySegment.copy(s, ValueLayout.JAVA_BYTE, o, b, 0, len);
        return IpAddress.ofBytes(b);
    }

    static InetAddress addr(MemorySegment s, long o, int len) {
        byte[] b = new byte[len];
        MemorySegment.copy(s, ValueLayout.JAVA_BYTE, o, b, 0, len);
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** struct kpf_svc4_key (12 bytes) / kpf_svc6_key (24 bytes). */
    static MapCodec<SvcKey> svcKey(int addrLen) {
        int portAt = addrLen;
        int size = addrLen == 4 ? 12 : 24;
        return new MapCodec<>() {
            public int size() { return size; }
            public void write(MemorySegment s, long o, SvcKey k) {
                if (PACKED && addrLen == 4 && k.address() instanceof java.net.Inet4Address v4) {
                    s.set(U64, o, addr4(v4) | port(k.port()) << 32 | (k.protocol() & 0xffL) << 48 | (k.scope() & 0xffL) << 56);
                    s.set(U32, o + 8, k.slot() & 0xffff);
                    return;
                }
                writeSvcKey(s, o, k, addrLen);
            }
            public SvcKey read(MemorySegment s, long o) {
                return new SvcKey(addr(s, o, addrLen), Short.toUnsignedInt(s.get(BE16, o + portAt)),
                        Byte.toUnsignedInt(s.get(ValueLayout.JAVA_BYTE, o + portAt + 2)),
                        Byte.toUnsignedInt(s.get(ValueLayout.JAVA_BYTE, o + portAt + 3)), Short.toUnsignedInt(s.get(U16, o + portAt + 4)));
            }
        };
    }

    /** Field by field: IPv6 keys, and the reference the packed writes are tested against. */
    static void writeSvcKey(MemorySegment s, long o, SvcKey k, int addrLen) {
        int portAt = addrLen;
        zero(s, o, addrLen == 4 ? 12 : 24);
        addr(s, o, k.address(), addrLen);
        s.set(BE16, o + portAt, (short) k.port());
        s.set(ValueLayout.JAVA_BYTE, o + portAt + 2, (byte) k.protocol());
        s.set(ValueLayout.JAVA_BYTE, o + portAt + 3, (byte) k.scope());
        s.set(U16, o + portAt + 4, (short) k.slot());
    }

    /**
     * Whether the common IPv4 structs are written as one or two whole words, assembled in Java, instead of field
     * by field: a full sync encodes about 250,000 entries, and each segment access costs far more than the shifts
     * while the JIT is still cold (the sync of a starting agent). The words are little-endian, as the kernel's
     * structs are on every machine kpf runs on; elsewhere the fields are written one by one.
     */
    static final boolean PACKED = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    /** An IPv4 address as the low 4 bytes of a little-endian word, in network order. */
    private static long addr4(java.net.Inet4Address a) {
        return addr4(dev.kpf.dataplane.model.IpAddresses.v4Bits(a));
    }

    private static long addr4(int bits) {
        return Integer.reverseBytes(bits) & 0xffffffffL;
    }

    /** A port as 2 bytes of a little-endian word, in network order. */
    private static long port(int port) {
        return Short.reverseBytes((short) port) & 0xffffL;
    }

    /** struct kpf_svc_value (16 bytes). */
    static final MapCodec<SvcValue> SVC_VALUE = new MapCodec<>() {
        public int size() { return 16; }
        public void write(MemorySegment s, long o, SvcValue v) {
            if (PACKED) {
                s.set(U64, o, (v.backendId() & 0xffffffffL) | (v.count() & 0xffffL) << 32 | (v.revNatId() & 0xffffL) << 48);
                s.set(U64, o + 8, (v.flags() & 0xffffffffL) | (v.affinityTimeout() & 0xffffffffL) << 32);
                return;
            }
            writeSvcValue(s, o, v);
        }
        public SvcValue read(MemorySegment s, long o) {
            return new SvcValue(s.get(U32, o), Short.toUnsignedInt(s.get(U16, o + 4)), Short.toUnsignedInt(s.get(U16, o + 6)),
                    s.get(U32, o + 8), s.get(U32, o + 12));
        }
    };

    static void writeSvcValue(MemorySegment s, long o, SvcValue v) {
        s.set(U32, o, v.backendId());
        s.set(U16, o + 4, (short) v.count());
        s.set(U16, o + 6, (short) v.revNatId());
        s.set(U32, o + 8, v.flags());
        s.set(U32, o + 12, v.affinityTimeout());
    }

    /** struct kpf_backend4 (8 bytes) / kpf_backend6 (20 bytes). */
    static MapCodec<BackendValue> backend(int addrLen) {
        int size = addrLen + 4;
        return new MapCodec<>() {
            public int size() { return size; }
            public void write(MemorySegment s, long o, BackendValue v) {
                if (PACKED && addrLen == 4 && v.address() instanceof IpAddress.V4 v4) {
                    s.set(U64, o, addr4(v4.bits()) | port(v.port()) << 32 | (v.protocol() & 0xffL) << 48 | (v.flags() & 0xffL) << 56);
                    return;
                }
                writeBackend(s, o, v, addrLen);
            }
            public BackendValue read(MemorySegment s, long o) {
                return new BackendValue(ip(s, o, addrLen), Short.toUnsignedInt(s.get(BE16, o + addrLen)),
                        Byte.toUnsignedInt(s.get(ValueLayout.JAVA_BYTE, o + addrLen + 2)), Byte.toUnsignedInt(s.get(ValueLayout.JAVA_BYTE, o + addrLen + 3)));
            }
        };
    }

    static void writeBackend(MemorySegment s, long o, BackendValue v, int addrLen) {
        addr(s, o, v.address(), addrLen);
        s.set(BE16, o + addrLen, (short) v.port());
        s.set(ValueLayout.JAVA_BYTE, o + addrLen + 2, (byte) v.protocol());
        s.set(ValueLayout.JAVA_BYTE, o + addrLen + 3, (byte) v.flags());
    }

    /** struct kpf_revnat4 (8 bytes) / kpf_revnat6 (20 bytes). */
    static MapCodec<RevNatValue> revNat(int addrLen) {
        int size = addrLen + 4;
        return new MapCodec<>() {
            public int size() { return size; }
            public void write(MemorySegment s, long o, RevNatValue v) {
                if (PACKED && addrLen == 4 && v.address() instanceof java.net.Inet4Address v4) {
                    s.set(U64, o, addr4(v4) | port(v.port()) << 32);
                    return;
                }
                writeRevNat(s, o, v, addrLen);
            }
            public RevNatValue read(MemorySegment s, long o) {
                return new RevNatValue(addr(s, o, addrLen), Short.toUnsignedInt(s.get(BE16, o + addrLen)));
            }
        };
    }

    static void writeRevNat(MemorySegment s, long o, RevNatValue v, int addrLen) {
        zero(s, o, addrLen + 4);
        addr(s, o, v.address(), addrLen);
        s.set(BE16, o + addrLen, (short) v.port());
    }

    /** struct kpf_name (128 bytes, NUL-terminated UTF-8). */
    static final MapCodec<String> NAME = new MapCodec<>() {
        public int size() { return MapLayout.NAME_BYTES; }
        public void write(MemorySegment s, long o, String v) {
            zero(s, o, MapLayout.NAME_BYTES);
            byte[] b = v.getBytes(StandardCharsets.UTF_8);
            MemorySegment.copy(b, 0, s, ValueLayout.JAVA_BYTE, o, Math.min(b.length, MapLayout.NAME_BYTES - 1));
        }
        public String read(MemorySegment s, long o) {
            return s.asSlice(o, MapLayout.NAME_BYTES).getString(0, StandardCharsets.UTF_8);
        }
    };

    /** struct kpf_stat_key (8 bytes). */
    static final MapCodec<long[]> STAT_KEY = new MapCodec<>() {
        public int size() { return 8; }
        public void write(MemorySegment s, long o, long[] v) {
            s.set(U32, o, (int) v[0]);
            s.set(U32, o + 4, (int) v[1]);
        }
        public long[] read(MemorySegment s, long o) {
            return new long[] {Integer.toUnsignedLong(s.get(U32, o)), Integer.toUnsignedLong(s.get(U32, o + 4))};
        }
    };

    /** struct kpf_stat_value per possible CPU, summed: {connects, refused}. */
    static MapCodec<long[]> statValues(int cpus) {
        return new MapCodec<>() {
            public int size() { return 16 * cpus; }
            public void write(MemorySegment s, long o, long[] v) {
                zero(s, o, 16 * cpus);
                s.set(U64, o, v[0]);
                s.set(U64, o + 8, v[1]);
            }
            public long[] read(MemorySegment s, long o) {
                long connects = 0, refused = 0;
                for (int c = 0; c < cpus; c++) {
                    connects += s.get(U64, o + 16L * c);
                    refused += s.get(U64, o + 16L * c + 8);
                }
                return new long[] {connects, refused};
            }
        };
    }

    /** struct kpf_tc_config (48 bytes): the SNAT sources, kpf's SNAT port range and the conntrack timeouts in seconds. */
    static final MapCodec<TcConfig> TC_CONFIG = new MapCodec<>() {
        public int size() { return 48; }
        public void write(MemorySegment s, long o, TcConfig v) {
            zero(s, o, 48);
            if (v.snat4() instanceof java.net.Inet4Address a) addr(s, o, a, 4);
            if (v.snat6() instanceof java.net.Inet6Address a) addr(s, o + 16, a, 16);
            ConntrackConfig c = v.conntrack();
            s.set(U16, o + 32, (short) c.portMin());
            s.set(U16, o + 34, (short) c.portMax());
            s.set(U32, o + 36, (int) c.tcpTimeout().toSeconds());
            s.set(U32, o + 40, (int) c.udpTimeout().toSeconds());
            s.set(U32, o + 44, (int) c.closingTimeout().toSeconds());
        }
        public TcConfig read(MemorySegment s, long o) {
            InetAddress a4 = addr(s, o, 4), a6 = addr(s, o + 16, 16);
            ConntrackConfig c = new ConntrackConfig(Short.toUnsignedInt(s.get(U16, o + 32)), Short.toUnsignedInt(s.get(U16, o + 34)),
                    java.time.Duration.ofSeconds(Integer.toUnsignedLong(s.get(U32, o + 36))), java.time.Duration.ofSeconds(Integer.toUnsignedLong(s.get(U32, o + 40))),
                    java.time.Duration.ofSeconds(Integer.toUnsignedLong(s.get(U32, o + 44))));
            return new TcConfig(a4.isAnyLocalAddress() ? null : a4, a6.isAnyLocalAddress() ? null : a6, c);
        }
    };

    /** struct kpf_srcrange4_key (15 bytes, packed): prefixlen, frontend address and port, protocol, client prefix. */
    static final MapCodec<SourceRangeKey> SRC_RANGE4_KEY = sourceRangeKey(4, MapLayout.SRC_RANGE4_FRONTEND_BITS);

    /** struct kpf_srcrange6_key (39 bytes, packed). */
    static final MapCodec<SourceRangeKey> SRC_RANGE6_KEY = sourceRangeKey(16, MapLayout.SRC_RANGE6_FRONTEND_BITS);

    /** The packed LPM key: prefixlen (frontend bits + CIDR), frontend address, port (BE), protocol, client address. */
    private static MapCodec<SourceRangeKey> sourceRangeKey(int len, int frontendBits) {
        int port = 4 + len, proto = port + 2, client = proto + 1, size = client + len;
        return new MapCodec<>() {
            public int size() { return size; }
            public void write(MemorySegment s, long o, SourceRangeKey k) {
                zero(s, o, size);
                s.set(U32, o, frontendBits + k.prefixLength());
                addr(s, o + 4, k.frontend(), len);
                s.set(BE16, o + port, (short) k.port());
                s.set(ValueLayout.JAVA_BYTE, o + proto, (byte) k.protocol());
                addr(s, o + client, k.client(), len);
            }
            public SourceRangeKey read(MemorySegment s, long o) {
                return new SourceRangeKey(addr(s, o + 4, len), Short.toUnsignedInt(s.get(BE16, o + port)),
                        Byte.toUnsignedInt(s.get(ValueLayout.JAVA_BYTE, o + proto)), addr(s, o + client, len), s.get(U32, o) - frontendBits);
            }
        };
    }

    static final MapCodec<Byte> U8 = new MapCodec<>() {
        public int size() { return 1; }
        public void write(MemorySegment s, long o, Byte v) { s.set(ValueLayout.JAVA_BYTE, o, v); }
        public Byte read(MemorySegment s, long o) { return s.get(ValueLayout.JAVA_BYTE, o); }
    };

    /** struct kpf_maglev at the default size (1021 backend ids). */
    static final MapCodec<int[]> MAGLEV = maglev(dev.kpf.dataplane.lb.Maglev.M);

    /** A Maglev table of {@code m} backend ids (the map's value size is set to 4 * m before load). */
    static MapCodec<int[]> maglev(int m) {
        return new MapCodec<>() {
            public int size() { return 4 * m; }
            public void write(MemorySegment s, long o, int[] v) {
                for (int i = 0; i < m; i++) s.set(U32, o + 4L * i, v[i]);
            }
            public int[] read(MemorySegment s, long o) {
                int[] v = new int[m];
                for (int i = 0; i < m; i++) v[i] = s.get(U32, o + 4L * i);
                return v;
            }
        };
    }

    /** struct kpf_aff_member_key (8 bytes). */
    static final MapCodec<MemberKey> MEMBER_KEY = new MapCodec<>() {
        public int size() { return 8; }
        public void write(MemorySegment s, long o, MemberKey v) {
            s.set(U32, o, v.scopedRevNatId());
            s.set(U32, o + 4, v.backendId());
        }
        public MemberKey read(MemorySegment s, long o) {
            return new MemberKey(s.get(U32, o), s.get(U32, o + 4));
        }
    };

    /** struct kpf_affinity_key (16 bytes). */
    static final MapCodec<AffinityKey> AFFINITY_KEY = new MapCodec<>() {
        public int size() { return 16; }
        public void write(MemorySegment s, long o, AffinityKey v) {
            s.set(U64, o, v.netnsCookie());
            s.set(U32, o + 8, v.revNatId());
            s.set(U32, o + 12, v.family());
        }
        public AffinityKey read(MemorySegment s, long o) {
            return new AffinityKey(s.get(U64, o), s.get(U32, o + 8), s.get(U32, o + 12));
        }
    };

    /** struct kpf_affinity_value (16 bytes). */
    static final MapCodec<AffinityValue> AFFINITY_VALUE = new MapCodec<>() {
        public int size() { return 16; }
        public void write(MemorySegment s, long o, AffinityValue v) {
            s.set(U64, o, v.lastUsedNs());
            s.set(U32, o + 8, v.backendId());
            s.set(U32, o + 12, 0);
        }
        public AffinityValue read(MemorySegment s, long o) {
            return new AffinityValue(s.get(U64, o), s.get(U32, o + 8));
        }
    };

    /** struct kpf_gone_key of kpf_sock_destroy.bpf.c (24 bytes). */
    static final MapCodec<GoneBackend> GONE_KEY = new MapCodec<>() {
        public int size() { return 24; }
        public void write(MemorySegment s, long o, GoneBackend v) {
            zero(s, o, 24);
            s.set(U32, o, v.revNatId());
            s.set(BE16, o + 4, (short) v.port());
            boolean v4 = v.address() instanceof java.net.Inet4Address;
            s.set(ValueLayout.JAVA_BYTE, o + 6, (byte) (v4 ? 4 : 6));
            addr(s, o + 8, v.address(), v4 ? 4 : 16);
        }
        public GoneBackend read(MemorySegment s, long o) {
            boolean v4 = s.get(ValueLayout.JAVA_BYTE, o + 6) == 4;
            return new GoneBackend(s.get(U32, o), addr(s, o + 8, v4 ? 4 : 16), Short.toUnsignedInt(s.get(BE16, o + 4)));
        }
    };
}
