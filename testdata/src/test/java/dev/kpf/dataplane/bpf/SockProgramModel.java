package dev.kpf.dataplane.bpf;

/** The parts of kpf_sock.bpf.c's decisions the in-memory invariant needs, written as the C does them. */
final class SockProgramModel {
    private SockProgramModel() {}

    /** kpf_affinity_backend: a remembered backend is used only while kpf_aff_member lists it for the frontend. */
    static boolean affinityValid(FakeMaps maps, int revNatId, int scope, int family, int backendId) {
        return maps.members.get(MemberKey.of(revNatId, scope, family == 4, backendId)) != null;
    }
}
