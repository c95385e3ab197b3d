package dev.kpf.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.kpf.probes.KernelRequirement;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Churn in the running kernel (issue 14; seed 1000 replaces a pod at step 13 in a way that made the agent delete a
 * backend it had just written, before ids were handed out rising): a real {@code kpf agent} process on the fake API server, 40 random changes
 * of 30 to 40 Services sharing one pod pool, the agent killed with SIGKILL and restarted half way, and a client in
 * a cgroup and namespace of the run's connecting to every frontend (TCP and connected UDP, IPv4 and IPv6, three
 * times to those with ClientIP affinity) during and after each change. No connection may reach a backend that is not
 * its frontend's, none may fail while the frontend had backends, affinity must hold within a round, and after every
 * change the maps must read back equal to the node's intent.
 */
class ChurnBenchIT {
    @Test
    void under_churn_and_an_agent_restart_no_connection_is_misrouted_or_fails_and_every_change_is_programmed() {
        KernelRequirement.requireBpf();
        KernelRequirement.requireCommand("nsenter");
        CommandRun r = CommandRun.of("bench", "churn", "--steps", "40", "--seed", "1000", "--kill-at", "20", "--json");
        assertEquals(0, r.exitCode(), r.out() + r.err());
        JsonObject doc = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals(0, doc.get("misrouted").getAsLong(), r.out());
        assertEquals(0, doc.get("failed_with_backends").getAsLong(), r.out());
        assertEquals(0, doc.get("affinity_broken").getAsLong(), r.out());
        assertEquals(0, doc.get("not_programmed").getAsLong(), r.out());
        assertTrue(doc.get("connections").getAsLong() > 5000, "every frontend was tried twice a step: " + r.out());
        assertTrue(doc.get("refused_without_backends").getAsLong() > 0, "frontends without backends refuse: " + r.out());
        assertTrue(doc.get("restart_programmed_ms").getAsDouble() > 0, "the restarted agent programmed the change it missed: " + r.out());
    }
}
