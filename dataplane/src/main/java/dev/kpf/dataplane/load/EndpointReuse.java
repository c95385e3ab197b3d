package dev.kpf.dataplane.load;

import dev.kpf.dataplane.model.EndpointSlice;
import dev.kpf.dataplane.model.EndpointSlice.Endpoint;
import dev.kpf.dataplane.model.IpAddress;
import dev.kpf.dataplane.model.PodName;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps a slice's previous instances when it is decoded again. A decode makes new objects for every endpoint (its
 * address, its pod name), also for the nine of ten a change left alone; each replaced one that had lived long was
 * garbage in the old generation until the next full collection, and whatever still held it (the writer's mirror holds
 * addresses) kept a copy the model no longer had. With the previous version's instances kept wherever equal, an
 * endpoint change leaves behind only what changed, and model, translated table and mirror share one object per
 * endpoint.
 */
public final class EndpointReuse {
    private EndpointReuse() {}

    /**
     * {@code next} with each endpoint equal to one of {@code previous} (same address) replaced by that instance, and
     * each changed endpoint whose address was there before holding the previous address (and pod name, when equal);
     * a pod name otherwise takes the previous version's instance of its prefix ({@link PodName#withPrefixFrom}), so
     * pods replaced one by one keep sharing it. {@code next} itself when there is no previous version. The result
     * always equals {@code next}.
     */
    public static EndpointSlice keepEqualInstances(EndpointSlice next, EndpointSlice previous) {
        if (previous == null || previous.endpoints().isEmpty() || next.endpoints().isEmpty()) return next;
        Map<IpAddress, Endpoint> before = HashMap.newHashMap(previous.endpoints().size());
        Map<String, String> prefixes = new HashMap<>();
        for (Endpoint e : previous.endpoints()) {
            before.putIfAbsent(e.ip(), e);
            e.pod().addPrefixTo(prefixes);
        }
        List<Endpoint> kept = new ArrayList<>(next.endpoints().size());
        boolean any = false;
        for (Endpoint e : next.endpoints()) {
            Endpoint old = before.get(e.ip());
            Endpoint k = old != null && old.equals(e) ? old : withInstancesOf(e, old, prefixes);
            any |= k != e;
            kept.add(k);
        }
        if (!any) return next;
        return new EndpointSlice(next.namespace(), next.name(), next.serviceName(), next.family(), next.ports(), kept, next.lastChangeTriggerTime());
    }

    /**
     * {@code e} holding {@code old}'s address (equal) and pod name (when equal), or with no {@code old} its own; a pod
     * name not taken from {@code old} takes the instance {@code prefixes} holds of its prefix. {@code e} itself when
     * nothing is taken.
     */
    private static Endpoint withInstancesOf(Endpoint e, Endpoint old, Map<String, String> prefixes) {
        PodName own = e.pod();
        PodName pod = old != null && e.samePod(old) ? old.pod() : own.withPrefixFrom(prefixes);
        IpAddress address = old == null ? e.ip() : old.ip();
        // names made from endpoints hold the endpoints' prefix instances: the same instance, nothing to take
        if (address == e.ip() && pod.prefix() == own.prefix()) return e;
        return new Endpoint(address, e.ready(), e.serving(), e.terminating(), e.nodeName(), e.zone(), e.hintZones(), e.hintNodes(), pod);
    }
}
