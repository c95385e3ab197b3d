package dev.kpf.dataplane.source;

import dev.kpf.dataplane.load.EndpointReuse;
import dev.kpf.dataplane.load.ObjectDecoder;
import dev.kpf.dataplane.load.SourceDocument;
import dev.kpf.dataplane.model.Problem;

import java.util.List;
import java.util.function.UnaryOperator;

/** One API object decoded at one resource version, kept by {@link KubeSource} so unchanged objects are not decoded again. */
record DecodedObject(long version, String versionText, ObjectDecoder.Decoded value, List<Problem> problems) {

    /**
     * Decodes an object unless the previous decode was of the same resource version. Either way a versioned object
     * lets go of its text: after a relist (410 Gone) the caches hold new copies of every object, most at a version
     * already decoded, and they kept their text until the object next changed (up to all of it: the compact JSON of
     * the memory bench's 10,000 x 10 is 24.7 MB). A slice decoded again keeps its previous version's endpoint
     * instances wherever they are equal ({@link EndpointReuse}), and the model takes its name and namespace instances from
     * {@code obj} (after a relist the new copies in the caches hold names of their own again: a version already decoded
     * is not decoded again). Port names come through {@code portNames}, shared by every object the source decodes.
     */
    static DecodedObject of(RawObject obj, DecodedObject previous, UnaryOperator<String> portNames) {
        boolean versioned = obj.version() >= 0 || obj.versionText() != null;
        if (previous != null && obj.sameVersion(previous.version(), previous.versionText())) {
            obj.release();
            return previous;
        }
        // the model keeps the cache's instances of the name and namespace rather than copies of its own
        ObjectDecoder decoder = new ObjectDecoder(s -> s.equals(obj.name()) ? obj.name() : s.equals(obj.namespace()) ? obj.namespace() : s,
                portNames);
        ObjectDecoder.Decoded value = decoder.decode(new SourceDocument(obj.json(), "api"));
        if (value instanceof ObjectDecoder.Decoded.ASlice next && previous != null && previous.value() instanceof ObjectDecoder.Decoded.ASlice before) {
            value = new ObjectDecoder.Decoded.ASlice(EndpointReuse.keepEqualInstances(next.slice(), before.slice()));
        }
        // with a resource version this decode is reused until the object changes, and a change is a new object
        if (versioned) obj.release();
        return new DecodedObject(obj.version(), obj.versionText(), value, List.copyOf(decoder.problems()));
    }
}
