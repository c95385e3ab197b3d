package dev.kpf.probes.probe;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Kernel releases as distributions write them, and the 5.7.0 line. */
class KernelReleaseTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "5.15.0-91-generic,              5, 15, 0, -91-generic,        true",
            "4.18.0-513.el8.x86_64,          4, 18, 0, -513.el8.x86_64,    false",
            "6.8.0-1012-gcp,                 6, 8,  0, -1012-gcp,          true",
            "5.14.0-427.31.1.el9_4.x86_64,   5, 14, 0, -427.31.1.el9_4.x86_64, true",
            "5.7,                            5, 7,  0, '',                 true",
            "5.6.19-custom,                  5, 6,  19, -custom,           false",
            "6.18.44-fc-v669,                6, 18, 44, -fc-v669,          true",
    })
    void parses_version_and_suffix(String text, int major, int minor, int patch, String suffix, boolean atLeast57) {
        KernelRelease k = KernelRelease.parse(text).orElseThrow();
        assertEquals(major, k.major());
        assertEquals(minor, k.minor());
        assertEquals(patch, k.patch());
        assertEquals(suffix, k.suffix());
        assertEquals(atLeast57, k.atLeast(5, 7, 0));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "linux", "v5.15", "5", "not-a-version"})
    void rejects_what_is_not_a_release(String text) {
        assertTrue(KernelRelease.parse(text).isEmpty());
    }
}
