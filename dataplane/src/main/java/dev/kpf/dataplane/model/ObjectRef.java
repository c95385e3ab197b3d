package dev.kpf.dataplane.model;

/** Which Kubernetes object something is about: kind, namespace (empty for cluster-scoped) and name. */
public record ObjectRef(String kind, String namespace, String name) implements Comparable<ObjectRef> {
    public static ObjectRef service(String namespace, String name) {
        return new ObjectRef("Service", namespace, name);
    }

    @Override
    public int compareTo(ObjectRef o) {
        int c = kind.compareTo(o.kind);
        if (c != 0) return c;
        c = namespace.compareTo(o.namespace);
        return c != 0 ? c : name.compareTo(o.name);
    }

    // written out: a record's generated equals and hashCode run as method handles until the JIT compiles them
    @Override
    public boolean equals(Object o) {
        return o instanceof ObjectRef r && java.util.Objects.equals(r.name, name) && java.util.Objects.equals(r.namespace, namespace)
                && java.util.Objects.equals(r.kind, kind);
    }

    @Override
    public int hashCode() {
        return (java.util.Objects.hashCode(kind) * 31 + java.util.Objects.hashCode(namespace)) * 31 + java.util.Objects.hashCode(name);
    }

    @Override
    public String toString() {
        return namespace.isEmpty() ? kind + " " + name : kind + " " + namespace + "/" + name;
    }
}
