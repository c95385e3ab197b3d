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
    /**
     * key: value and "key": "value" for credential keys (kubeconfig, env files, JSON): the whole value, quoted (double
     * or single) or plain to the end of the line (a YAML value may hold spaces).
     */
    private static final Pattern CREDENTIAL_FIELD = Pattern.compile(
            "(?i)(\"?(?:client-key-data|client-certificate-data|client-key|client-certificate|token|id-token|refresh-token|access-token"
                    + "|password|passwd|secret|client-secret|api-key|apikey|auth|authorization|private-key|cookie|set-cookie)\"?\\s*[:=]\\s*+)"
                    + "(?!(?i:bearer|basic) |\"?\\[REDACTED)(\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^']|'')*'|[^\\n,}]*[^\\s,}])");
    /** NAME=value where the name says it is a credential (AWS_SECRET_ACCESS_KEY=..., VAULT_TOKEN="...", db_password = x). */
    private static final Pattern SECRET_ASSIGNMENT = Pattern.compile(
            "(?i)\\b([A-Za-z_][A-Za-z0-9_.-]*(?:secret|token|password|passwd|passphrase|credential|private_key|access_key|api_key)[A-Za-z0-9_.-]*\\s*=\\s*)"
                    + "(?!\\[REDACTED)(\"[^\"]*\"|'[^']*'|\\S+)");
    /** A command-line flag that carries a credential, with its value attached: --password=x, --client-secret=y. */
    private static final Pattern SECRET_FLAG_VALUE = Pattern.compile(
            "(?i)(--?[A-Za-z-]*(?:password|passwd|token|secret|credential|api-key)[A-Za-z-]*=)(?!\\[REDACTED)(\"[^\"]*\"|'[^']*'|\\S+)");
    /** A flag that carries a credential as the next word (on a command line) or the next list item (kubeconfig exec args). */
    private static final Pattern SECRET_FLAG = Pattern.compile("(?i)--?[A-Za-z-]*(?:password|passwd|token|secret|credential|api-key)[A-Za-z-]*");
    private static final Pattern SECRET_FLAG_NEXT_WORD = Pattern.compile(
            "(?i)(--?[A-Za-z-]*(?:password|passwd|token|secret|credential|api-key)[A-Za-z-]*\\s+)(?![-\\[])(\"[^\"]*\"|'[^']*'|\\S+)");
    /** user:password@ in any URL (server:, proxy-url:, logs). */
    private static final Pattern URL_PASSWORD = Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]*://[^\\s/:@]+):[^\\s@/]+@");
    /** An HTTP Cookie or Set-Cookie header line. */
    private static final Pattern COOKIE_HEADER = Pattern.compile("(?im)^(\\s*(?:set-)?cookie\\s*:\\s*)(?!\\[REDACTED).+$");
    /** The body of a PEM block whose BEGIN line is not in the text (a log or dump that starts inside one). */
    private static final Pattern PEM_BODY = Pattern.compile("(?m)(?:^[A-Za-z0-9+/]{64}\\R){2,}(?:^[A-Za-z0-9+/]{1,63}={0,2}$)?");
    /** The data and stringData of a Secret, in JSON (one line) or YAML (indented block). */
    private static final Pattern SECRET_JSON_DATA = Pattern.compile("(\"(?:data|stringData)\"\\s*:\\s*)\\{[^{}]*\\}");
    private static final Pattern SECRET_KIND = Pattern.compile("(?m)(\"kind\"\\s*:\\s*\"Secret\"|^\\s*kind:\\s*Secret\\s*$)");

    private Redactor() {}

    public static String redact(String text) {
        String out = PEM.matcher(text).replaceAll(m -> Matcher.quoteReplacement("-----BEGIN " + m.group(1) + "----- " + MARK + " -----END " + m.group(1) + "-----"));
        out = BEARER.matcher(out).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + " " + MARK));
        out = JWT.matcher(out).replaceAll(MARK);
        out = URL_PASSWORD.matcher(out).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + ":" + MARK + "@"));
        out = COOKIE_HEADER.matcher(out).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + MARK));
        out = CREDENTIAL_FIELD.matcher(out).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + (m.group(2).startsWith("\"") ? "\"" + MARK + "\"" : MARK)));
        out = SECRET_ASSIGNMENT.matcher(out).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + MARK));
        out = SECRET_FLAG_VALUE.matcher(out).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + MARK));
        out = SECRET_FLAG_NEXT_WORD.matcher(out).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + MARK));
        out = PEM_BODY.matcher(out).replaceAll(m -> Matcher.quoteReplacement(MARK + "\n"));
        out = execBlocks(out);
        if (SECRET_KIND.matcher(out).find()) out = secretData(out);
        return out;
    }

    /**
     * Inside a kubeconfig's {@code exec:} block (a credential plugin): every env value, and an args item that follows a
     * flag carrying a credential ({@code - --password} then {@code - hunter2}).
     */
    private static String execBlocks(String text) {
        if (!text.contains("exec:")) return text;
        StringBuilder b = new StringBuilder();
        int execIndent = -1;
        boolean afterSecretFlag = false;
        for (String line : text.split("\n", -1)) {
            int indent = line.length() - line.stripLeading().length();
            String stripped = line.strip();
            if (execIndent >= 0 && !line.isBlank() && indent <= execIndent && !stripped.startsWith("- ")) execIndent = -1;
            if (stripped.equals("exec:") || stripped.equals("- exec:")) execIndent = indent;
            if (execIndent >= 0) {
                String item = stripped.startsWith("- ") ? stripped.substring(2).strip() : null;
                if (stripped.startsWith("value:") && !stripped.contains(MARK)) {
                    line = line.substring(0, line.indexOf("value:") + "value:".length()) + " " + MARK;
                } else if (item != null && afterSecretFlag && !item.equals(MARK)) {
                    line = line.substring(0, line.indexOf("- ") + 2) + MARK;
                }
                afterSecretFlag = item != null && SECRET_FLAG.matcher(item).matches();
            }
            b.append(line).append('\n');
        }
        return b.substring(0, b.length() - 1);
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
        return List.of("PEM keys and certificates (also a body whose BEGIN line is missing)", "bearer and basic credentials",
                "JWTs (service account tokens)", "kubeconfig and JSON credential fields (client-key-data, client-certificate-data, token, password, "
                        + "cookie, ...; quoted or multi-word values whole)", "NAME=value where NAME says credential (AWS_SECRET_ACCESS_KEY, ...)",
                "credential flags and their values (--password x, --token=y)", "kubeconfig exec plugins' env values and credential args",
                "user:password in URLs", "Cookie and Set-Cookie headers", "data and stringData of Secrets");
    }
}
