package dev.kpf.dataplane.load;

import dev.kpf.dataplane.model.EndpointSlice;
import dev.kpf.dataplane.model.EndpointSlice.Endpoint;
import dev.kpf.dataplane.model.PodName;

import java.net.InetAddress;
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
     * {@code next} itself when there is no previous version. The result always equals {@code next}.
     */
    public static EndpointSlice keepEqualInstances(EndpointSlice next, EndpointSlice previous) {
        if (previous == null || previous.endpoints().isEmpty() || next.endpoints().isEmpty()) return next;
        Map<InetAddress, Endpoint> before = HashMap.newHashMap(previous.endpoints().size());
        for (Endpoint e : previous.endpoints()) before.putIfAbsent(e.address(), e);
        List<Endpoint> kept = new ArrayList<>(next.endpoints().size());
        boolean any = false;
        for (Endpoint e : next.endpoints()) {
            Endpoint old = before.get(e.address());
            Endpoint k = old == null ? e : old.equals(e) ? old : withInstancesOf(e, old);
            any |= k != e;
            kept.add(k);
        }
        if (!any) return next;
        return new EndpointSlice(next.namespace(), next.name(), next.serviceName(), next.family(), next.ports(), kept, next.lastChangeTriggerTime());
    }

    /** {@code e} holding {@code old}'s address (equal) and pod name (when equal). */
    private static Endpoint withInstancesOf(Endpoint e, Endpoint old) {
        PodName pod = e.pod().equals(old.pod()) ? old.pod() : e.pod();
        return new Endpoint(old.address(), e.ready(), e.serving(), e.terminating(), e.nodeName(), e.zone(), e.hintZones(), e.hintNodes(), pod);
    }
}
