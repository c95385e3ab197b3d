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

    /**
     * Issue 18: every leak shape found in review, each with a planted value that must go and the context that must
     * stay readable.
     */
    @Test
    void every_reviewed_leak_shape_goes() {
        String kubeconfig = """
                clusters:
                - cluster:
                    server: https://admin:pl4nted-url-pw@10.0.0.1:6443
                    proxy-url: http://proxy:pl4nted-proxy-pw@192.0.2.3:3128
                  name: prod
                users:
                - name: eks
                  user:
                    exec:
                      apiVersion: client.authentication.k8s.io/v1
                      command: vault-login
                      args:
                      - login
                      - --password
                      - pl4nted-exec-arg
                      - --token=pl4nted-exec-flag
                      - --cluster
                      - prod
                      env:
                      - name: VAULT_ADDR
                        value: pl4nted-exec-env
                      interactiveMode: Never
                - name: basic
                  user:
                    password: 'pl4nted two words'
                    username: bob
                """;
        String out = Redactor.redact(kubeconfig);
        for (String planted : new String[] {"pl4nted-url-pw", "pl4nted-proxy-pw", "pl4nted-exec-arg", "pl4nted-exec-flag", "pl4nted-exec-env", "two words"}) {
            assertFalse(out.contains(planted), planted + " left in\n" + out);
        }
        for (String kept : new String[] {"server: https://admin:[REDACTED]@10.0.0.1:6443", "- --cluster", "- prod", "command: vault-login", "username: bob"}) {
            assertTrue(out.contains(kept), kept + " still reads in\n" + out);
        }
        String env = "AWS_ACCESS_KEY_ID=AKIAEXAMPLE\nAWS_SECRET_ACCESS_KEY=pl4nted/aws+secret\nexport VAULT_TOKEN=\"pl4nted vault\"\ndb_password = pl4nted-db\nREGION=us-east-1\n";
        String envOut = Redactor.redact(env);
        for (String planted : new String[] {"pl4nted/aws+secret", "pl4nted vault", "pl4nted-db"}) assertFalse(envOut.contains(planted), planted + " in " + envOut);
        assertTrue(envOut.contains("REGION=us-east-1") && envOut.contains("AWS_SECRET_ACCESS_KEY=[REDACTED]"), envOut);
        assertEquals("Cookie: [REDACTED]\nHost: api", Redactor.redact("Cookie: session=pl4nted; theme=dark\nHost: api"));
        assertEquals("Set-Cookie: [REDACTED]", Redactor.redact("Set-Cookie: id=pl4nted; HttpOnly"));
        assertEquals("kube-proxy --password [REDACTED] --v=2", Redactor.redact("kube-proxy --password pl4nted --v=2"));
        String body = ("A".repeat(63) + "B\n").repeat(3) + "QUJD==\n-----END RSA PRIVATE KEY-----\n";
        assertFalse(Redactor.redact("tail of a log:\n" + body).contains("AAAA"), "a key body whose BEGIN line was cut off goes");
    }

    /**
     * Review of issue 18: exec plugins written in flow style or as JSON (both valid for kubectl) leaked their args and
     * env; a kubeconfig is redacted by its structure, whatever its style.
     */
    @Test
    void a_kubeconfig_in_flow_style_or_json_loses_exec_args_env_and_credentials() {
        String flow = """
                apiVersion: v1
                kind: Config
                clusters: [{name: c, cluster: {server: "https://192.0.2.1:6443"}}]
                users:
                - name: flow
                  user: {exec: {command: login, args: ["get-token", "--password", "fl0w-arg", "--token=fl0w-flag", "-p", "sh0rt-p", "--cluster-name", "prod"], env: [{name: MY_TOKEN, value: fl0w-env}]}}
                - {name: provider, user: {auth-provider: {name: oidc, config: {client-id: kpf, client-secret: pr0vider-secret, id-token: pr0vider-id}}}}
                """;
        String json = """
                {"apiVersion":"v1","kind":"Config","clusters":[{"name":"c","cluster":{"server":"https://192.0.2.1:6443"}}],
                 "users":[{"name":"json","user":{"exec":{"command":"aws","args":["eks","get-token","--password","js0n-arg"],
                 "env":[{"name":"AWS_SESSION_TOKEN","value":"js0n-env"}]},"token":"js0n-token"}}]}
                """;
        for (String config : new String[] {flow, json}) {
            String out = KubeconfigRedactor.redact(config);
            for (String planted : new String[] {"fl0w-arg", "fl0w-flag", "sh0rt-p", "fl0w-env", "pr0vider-secret", "pr0vider-id", "js0n-arg", "js0n-env", "js0n-token"}) {
                assertFalse(out.contains(planted), planted + " left in\n" + out);
            }
            assertTrue(out.contains("https://192.0.2.1:6443"), "the server stays readable: " + out);
        }
        String out = KubeconfigRedactor.redact(flow);
        assertTrue(out.contains("get-token") && out.contains("--cluster-name") && out.contains("prod") && out.contains("client-id: kpf"),
                "what is not a credential stays for support to read: " + out);
        assertTrue(KubeconfigRedactor.redact("not: [valid").contains("not: [valid"), "text that is not YAML is left to the text rules");
    }

    /** Issue 18: a bundle file is redacted whole, then cut: a key whose BEGIN line falls before the cut never passes. */
    @Test
    void a_bundle_file_is_redacted_before_it_is_cut() {
        String key = "-----BEGIN RSA PRIVATE KEY-----\n" + ("M".repeat(64) + "\n").repeat(20) + "-----END RSA PRIVATE KEY-----\n";
        // cut raw, the cut would fall inside the key (its BEGIN line before it, its body after it)
        String tail = "z".repeat(SupportBundle.MAX_ENTRY_BYTES - key.length() / 2) + "\nafter the key\n";
        String big = "x".repeat(5000) + "\n" + key + tail;
        SupportBundle b = new SupportBundle("kpf-bundle-cut", java.time.Instant.EPOCH).add("logs/big.log", big);
        String kept = b.entries().getFirst().text();
        assertFalse(kept.contains("MMMM"), "no part of the key survives the cut");
        assertTrue(kept.endsWith("after the key\n") && kept.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= SupportBundle.MAX_ENTRY_BYTES);
        assertEquals(1, b.cuts().size());
        assertTrue(b.manifest().contains("logs/big.log") && b.manifest().contains("kept the last "), b.manifest());
    }

    /** Issue 18: the bundle stays bounded, and the manifest names what was left out. */
    @Test
    void the_bundle_is_bounded_and_says_what_it_left_out() {
        SupportBundle b = new SupportBundle("kpf-bundle-bound", java.time.Instant.EPOCH, 4096, 10_000);
        String chunk = "y".repeat(3000) + "\ntoken: pl4nted\n";
        int files = 5;
        for (int i = 0; i < files; i++) b.add("dump-" + i + ".txt", chunk);
        long total = b.entries().stream().mapToLong(e -> e.text().length()).sum();
        assertTrue(total <= 10_000, "bounded: " + total);
        assertTrue(b.entries().stream().noneMatch(e -> e.text().contains("pl4nted")));
        assertTrue(b.manifest().contains("dump-" + (files - 1) + ".txt") && b.manifest().contains("left out: "), b.manifest());
    }
}
