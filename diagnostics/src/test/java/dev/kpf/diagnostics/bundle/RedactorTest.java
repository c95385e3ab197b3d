package dev.kpf.diagnostics.bundle;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the redactor removes, and what it leaves so the text still reads. */
class RedactorTest {
    @Test
    void a_kubeconfig_keeps_its_server_and_names_but_loses_every_credential() {
        String kubeconfig = """
                apiVersion: v1
                clusters:
                - cluster:
                    server: https://10.0.0.1:6443
                  name: prod
                users:
                - name: admin
                  user:
                    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM=
                    client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlF
                    token: s3cr3t-t0ken-value
                    password: hunter2
                """;
        String out = Redactor.redact(kubeconfig);
        assertTrue(out.contains("server: https://10.0.0.1:6443") && out.contains("name: admin"), out);
        for (String secret : new String[] {"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM=", "LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlF", "s3cr3t-t0ken-value", "hunter2"}) {
            assertFalse(out.contains(secret), secret + " left in " + out);
        }
        assertTrue(out.contains("client-key-data: [REDACTED]"), out);
    }

    @Test
    void bearer_tokens_jwts_and_pem_blocks_go() {
        String jwt = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2lnbmF0dXJl";
        assertEquals("Authorization: Bearer [REDACTED]", Redactor.redact("Authorization: Bearer abcdefgh12345678"));
        assertEquals("token file had [REDACTED] in it", Redactor.redact("token file had " + jwt + " in it"));
        String pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nabc\n-----END RSA PRIVATE KEY-----";
        assertEquals("key: -----BEGIN RSA PRIVATE KEY----- [REDACTED] -----END RSA PRIVATE KEY-----", Redactor.redact("key: " + pem));
        assertFalse(Redactor.redact("-----BEGIN CERTIFICATE-----\nMIIB truncated").contains("MIIB"), "an unterminated block goes too");
    }

    @Test
    void json_credential_fields_keep_their_key() {
        assertEquals("{\"token\": \"[REDACTED]\", \"user\": \"bob\"}", Redactor.redact("{\"token\": \"abc\\\"def\", \"user\": \"bob\"}"));
    }

    @Test
    void secret_data_goes_in_json_and_yaml_but_other_objects_keep_their_data() {
        String json = "{\"kind\":\"Secret\",\"metadata\":{\"name\":\"db\"},\"data\":{\"pw\":\"aHVudGVyMg==\"}}";
        String out = Redactor.redact(json);
        assertFalse(out.contains("aHVudGVyMg=="), out);
        assertTrue(out.contains("\"name\":\"db\""), out);
        String yaml = "kind: Secret\nmetadata:\n  name: db\ndata:\n  pw: aHVudGVyMg==\n  user: Ym9i\ntype: Opaque\n";
        assertEquals("kind: Secret\nmetadata:\n  name: db\ndata:\n  pw: [REDACTED]\n  user: [REDACTED]\ntype: Opaque\n", Redactor.redact(yaml));
        String configMap = "kind: ConfigMap\ndata:\n  KPF_SOURCE: kube\n";
        assertEquals(configMap, Redactor.redact(configMap));
    }

    @Test
    void ordinary_node_state_is_left_alone() {
        String rules = "-A KUBE-SERVICES -d 10.96.0.10/32 -p udp -m comment --comment \"kube-system/kube-dns:dns cluster IP\" -j KUBE-SVC-TCOU7JCQXEZGVUNU\n";
        assertEquals(rules, Redactor.redact(rules));
        String addr = "2: eth0: <BROADCAST,MULTICAST,UP> mtu 1500\n    inet 192.168.10.11/24 brd 192.168.10.255 scope global eth0\n";
        assertEquals(addr, Redactor.redact(addr));
    }
}
