package dev.kpf.dataplane.lb;

/**
 * Which traffic a frontend entry serves. Most frontends have one entry ({@link #EXTERNAL}, meaning "all"). A
 * service with externalTrafficPolicy: Local gets two for each external address: {@link #EXTERNAL} with only
 * node-local backends for traffic from outside the node, and {@link #INTERNAL} with all backends for traffic that
 * starts on the node, as kube-proxy short-circuits pod traffic to such addresses.
 */
public enum Scope { EXTERNAL, INTERNAL }
