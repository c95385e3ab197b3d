package dev.kpf.testdata.demo;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.kpf.testdata.apiserver.ObjectStore;
import dev.kpf.testdata.apiserver.ResourceType;

import java.time.Duration;
import java.util.List;
import java.util.Random;

/**
 * Keeps the demo cluster live: every interval one EndpointSlice changes the way rollouts change them (an endpoint
 * turns terminating, comes back ready, or a replica is added or removed, never below one). Seeded, so a run can
 * be repeated. Stops on {@link #close()}.
 */
public final class DemoChurn implements AutoCloseable {
    private final ObjectStore store;
    private final Random random;
    private final Thread thread;
    private volatile boolean closed;
    private long changes;

    private DemoChurn(ObjectStore store, Duration interval, long seed) {
        this.store = store;
        this.random = new Random(seed);
        this.thread = Thread.ofPlatform().daemon().name("kpf-demo-churn").start(() -> loop(interval));
    }

    public static DemoChurn start(ObjectStore store, Duration interval, long seed) {
        return new DemoChurn(store, interval, seed);
    }

    private void loop(Duration interval) {
        while (!closed) {
            try {
                Thread.sleep(interval.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            if (!closed) step();
        }
    }

    /** Makes one change; returns a description of it (also used by tests to step by hand). */
    public synchronized String step() {
        List<JsonObject> slices = store.list(ResourceType.ENDPOINTSLICES, null).items().stream()
                .filter(s -> s.getAsJsonArray("endpoints") != null && !s.getAsJsonArray("endpoints").isEmpty())
                .filter(s -> !s.getAsJsonObject("metadata").get("name").getAsString().startsWith("kubernetes"))
                .toList();
        if (slices.isEmpty()) return "nothing to change";
        JsonObject slice = slices.get(random.nextInt(slices.size())).deepCopy();
        JsonArray endpoints = slice.getAsJsonArray("endpoints");
        String name = slice.getAsJsonObject("metadata").get("name").getAsString();
        int i = random.nextInt(endpoints.size());
        JsonObject ep = endpoints.get(i).getAsJsonObject();
        JsonObject c = ep.getAsJsonObject("conditions");
        int action = random.nextInt(4);
        if (action == 2 && endpoints.size() >= 6) action = 0; // keep slices small
        if (action == 3 && endpoints.size() <= 1) action = 0; // never remove the last endpoint
        String what;
        switch (action) {
            case 2 -> {
                JsonObject copy = ep.deepCopy();
                String ip = copy.getAsJsonArray("addresses").get(0).getAsString();
                String next = bump(ip, endpoints.size() + 1 + random.nextInt(50));
                copy.getAsJsonArray("addresses").set(0, new com.google.gson.JsonPrimitive(next));
                copy.getAsJsonObject("conditions").addProperty("ready", true);
                copy.getAsJsonObject("conditions").addProperty("serving", true);
                copy.getAsJsonObject("conditions").addProperty("terminating", false);
                copy.remove("targetRef");
                endpoints.add(copy);
                what = name + ": endpoint " + next + " added";
            }
            case 3 -> {
                endpoints.remove(i);
                what = name + ": endpoint " + ep.getAsJsonArray("addresses").get(0).getAsString() + " removed";
            }
            default -> {
                boolean ready = c.get("ready").getAsBoolean();
                c.addProperty("ready", !ready);
                c.addProperty("serving", true);
                c.addProperty("terminating", ready);
                what = name + ": endpoint " + ep.getAsJsonArray("addresses").get(0).getAsString() + (ready ? " terminating" : " ready again");
            }
        }
        store.put(slice);
        changes++;
        return what;
    }

    private static String bump(String ip, int by) {
        if (ip.contains(":")) {
            int idx = ip.lastIndexOf(':');
            int last = Integer.parseInt(ip.substring(idx + 1).isEmpty() ? "0" : ip.substring(idx + 1), 16);
            return ip.substring(0, idx + 1) + Integer.toHexString((last + by) % 0xffff);
        }
        int idx = ip.lastIndexOf('.');
        int last = Integer.parseInt(ip.substring(idx + 1));
        return ip.substring(0, idx + 1) + (2 + (last + by) % 250);
    }

    public synchronized long changes() {
        return changes;
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
