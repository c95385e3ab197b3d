package dev.kpf.probes.probe;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** os-release parsing and the platform's OS families. */
class OsReleaseTest {
    @Test
    void rhel_ubuntu_and_rebuilds() {
        assertEquals(OsRelease.Family.RHEL, parse("ID=\"rhel\"\nVERSION_ID=\"8.9\"").family());
        assertEquals(8, parse("ID=\"rhel\"\nVERSION_ID=\"8.9\"").majorVersion());
        assertEquals(OsRelease.Family.UBUNTU, parse("ID=ubuntu\nVERSION_ID=\"22.04\"").family());
        assertEquals(OsRelease.Family.OTHER, parse("ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"").family(),
                "RHEL rebuilds are not RHEL for the platform");
        assertEquals(java.util.List.of("rhel", "centos", "fedora"), parse("ID=rocky\nID_LIKE=\"rhel centos fedora\"").idLike());
    }

    @Test
    void quotes_comments_and_missing_fields() {
        OsRelease o = parse("# comment\nNAME='Ubuntu'\nID=ubuntu\n\nPRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\n");
        assertEquals("Ubuntu 22.04.4 LTS", o.prettyName());
        assertEquals("", o.versionId());
        assertEquals(-1, o.majorVersion());
        assertTrue(OsRelease.parse("NAME=nothing").isEmpty(), "no ID");
        assertTrue(OsRelease.parse("\u0000\u0001binary").isEmpty());
    }

    private static OsRelease parse(String text) {
        return OsRelease.parse(text).orElseThrow();
    }
}
