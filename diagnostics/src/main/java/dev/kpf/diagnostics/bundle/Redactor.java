package dev.kpf.diagnostics.bundle;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes credentials from text before it leaves the node in a support bundle: bearer tokens, JWTs (service account
 * tokens), PEM keys and certificates, kubeconfig credential fields in YAML and JSON form, passwords, and the data of
 * Kubernetes Secrets. Each removed value becomes {@code [REDACTED]}; keys and structure stay so the text still reads.
 */
public final class Redactor {
    public static final String MARK = "[REDACTED]";

    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]*?)-----.*?(-----END \\1-----|\\z)", Pattern.DOTALL);
    private static final Pattern BEARER = Pattern.compile("(?i)\\b(bearer|basic)\\s+[A-Za-z0-9._~+/=-]{8,}");
    private static final Pattern JWT = Pattern.compile("\\beyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]*");
    /** key: value and "key": "value" for credential keys (kubeconfig, env files, JSON). */
    private static final Pattern CREDENTIAL_FIELD = Pattern.compile(
            "(?i)(\"?(?:client-key-data|client-certificate-data|client-key|client-certificate|token|id-token|refresh-token|access-token"
                    + "|password|passwd|secret|api-key|apikey|auth|authorization|private-key)\"?\\s*[:=]\\s*)(?!(?i:bearer|basic) |\"?\\[REDACTED)(\"(?:[^\"\\\\]|\\\\.)*\"|[^\\s,}]+)");
    /** The data and stringData of a Secret, in JSON (one line) or YAML (indented block). */
    private static final Pattern SECRET_JSON_DATA = Pattern.compile("(\"(?:data|stringData)\"\\s*:\\s*)\\{[^{}]*\\}");
    private static final Pattern SECRET_KIND = Pattern.compile("(?m)(\"kind\"\\s*:\\s*\"Secret\"|^\\s*kind:\\s*Secret\\s*$)");

    private Redactor() {}

    public static String redact(String text) {
        String out = PEM.matcher(text).replaceAll(m -> Matcher.quoteReplacement("-----BEGIN " + m.group(1) + "----- " + MARK + " -----END " + m.group(1) + "-----"));
        out = BEARER.matcher(out).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + " " + MARK));
        out = JWT.matcher(out).replaceAll(MARK);
        out = CREDENTIAL_FIELD.matcher(out).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + (m.group(2).startsWith("\"") ? "\"" + MARK + "\"" : MARK)));
        if (SECRET_KIND.matcher(out).find()) out = secretData(out);
        return out;
    }

    /** Blanks every value under data:/stringData: in text that holds a Secret. */
    private static String secretData(String text) {
        String out = SECRET_JSON_DATA.matcher(text).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + "{\"" + MARK + "\": \"" + MARK + "\"}"));
        StringBuilder b = new StringBuilder();
        int blockIndent = -1;
        for (String line : out.split("\n", -1)) {
            int indent = line.length() - line.stripLeading().length();
            if (blockIndent >= 0 && !line.isBlank() && indent > blockIndent) {
                int colon = line.indexOf(':');
                b.append(colon > 0 ? line.substring(0, colon + 1) + " " + MARK : " ".repeat(indent) + MARK).append('\n');
                continue;
            }
            blockIndent = -1;
            String key = line.strip();
            if (key.equals("data:") || key.equals("stringData:")) blockIndent = indent;
            b.append(line).append('\n');
        }
        return b.substring(0, b.length() - 1);
    }

    /** What the redactor looks for, for the bundle's manifest. */
    public static List<String> rules() {
        return List.of("PEM keys and certificates", "bearer and basic credentials", "JWTs (service account tokens)",
                "kubeconfig and JSON credential fields (client-key-data, client-certificate-data, token, password, ...)",
                "data and stringData of Secrets");
    }
}
