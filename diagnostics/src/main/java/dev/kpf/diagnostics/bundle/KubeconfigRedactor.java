package dev.kpf.diagnostics.bundle;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.representer.Representer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Redacts a kubeconfig by its structure, so that block style, flow style and JSON (all valid for kubectl) lose the
 * same things: credential fields anywhere, every exec plugin env value, exec args that carry a credential (the value
 * of a secret-looking or one-letter flag, {@code --token=x}), and auth-provider config values but the issuer and
 * client id. The result is written back as block YAML (comments are dropped with the rest); the text rules of
 * {@link Redactor} still run over it. Text that is not a YAML mapping is returned as it is, for those rules alone.
 */
public final class KubeconfigRedactor {
    private KubeconfigRedactor() {}

    private static final Set<String> CREDENTIAL_KEYS = Set.of("token", "password", "client-key-data", "client-key", "id-token",
            "refresh-token", "access-token", "client-secret", "secret", "api-key", "apikey", "auth", "authorization", "cookie",
            "private-key");
    private static final Set<String> PROVIDER_KEEP = Set.of("idp-issuer-url", "client-id", "cmd-path");
    private static final Pattern SECRET_FLAG = Pattern.compile("(?i)--?[a-z-]*(?:password|passwd|token|secret|credential|api-key|key)[a-z-]*");
    /** -p, -t, ...: too short to tell what they carry, so what follows is treated as a credential. */
    private static final Pattern SHORT_FLAG = Pattern.compile("-[A-Za-z]{1,2}");

    public static String redact(String text) {
        Object doc;
        try {
            doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
        } catch (RuntimeException e) {
            return text;
        }
        if (!(doc instanceof Map<?, ?> map)) return text;
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setWidth(200);
        return new Yaml(new Representer(options), options).dump(walk(map));
    }

    private static Object walk(Object node) {
        if (node instanceof Map<?, ?> map) {
            Map<Object, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> {
                String key = String.valueOf(k).toLowerCase(Locale.ROOT);
                if (CREDENTIAL_KEYS.contains(key) && !(v instanceof Map) && !(v instanceof List)) out.put(k, Redactor.MARK);
                else if (key.equals("exec") && v instanceof Map<?, ?> exec) out.put(k, exec(exec));
                else if (key.equals("auth-provider") && v instanceof Map<?, ?> provider) out.put(k, provider(provider));
                else out.put(k, walk(v));
            });
            return out;
        }
        if (node instanceof List<?> list) return list.stream().map(KubeconfigRedactor::walk).toList();
        return node;
    }

    private static Map<Object, Object> exec(Map<?, ?> exec) {
        Map<Object, Object> out = new LinkedHashMap<>();
        exec.forEach((k, v) -> {
            if ("env".equals(k) && v instanceof List<?> env) {
                out.put(k, env.stream().map(e -> e instanceof Map<?, ?> m ? envEntry(m) : Redactor.MARK).toList());
            } else if ("args".equals(k) && v instanceof List<?> args) {
                out.put(k, args(args));
            } else {
                out.put(k, walk(v));
            }
        });
        return out;
    }

    private static Map<Object, Object> envEntry(Map<?, ?> entry) {
        Map<Object, Object> out = new LinkedHashMap<>();
        entry.forEach((k, v) -> out.put(k, "value".equals(k) ? Redactor.MARK : v));
        return out;
    }

    /** Flags and positional words stay; what a credential flag carries goes (as the next item or after '='). */
    private static List<Object> args(List<?> args) {
        List<Object> out = new ArrayList<>();
        boolean carries = false;
        for (Object a : args) {
            String s = String.valueOf(a);
            if (carries && !s.startsWith("--")) {
                out.add(Redactor.MARK);
                carries = false;
                continue;
            }
            int eq = s.indexOf('=');
            String flag = s.startsWith("-") ? (eq > 0 ? s.substring(0, eq) : s) : null;
            boolean secret = flag != null && (SECRET_FLAG.matcher(flag).matches() || SHORT_FLAG.matcher(flag).matches());
            if (secret && eq > 0) out.add(flag + "=" + Redactor.MARK);
            else out.add(a);
            carries = secret && eq < 0;
        }
        return out;
    }

    private static Map<Object, Object> provider(Map<?, ?> provider) {
        Map<Object, Object> out = new LinkedHashMap<>();
        provider.forEach((k, v) -> {
            if ("config".equals(k) && v instanceof Map<?, ?> config) {
                Map<Object, Object> c = new LinkedHashMap<>();
                config.forEach((ck, cv) -> c.put(ck, PROVIDER_KEEP.contains(String.valueOf(ck)) ? cv : Redactor.MARK));
                out.put(k, c);
            } else {
                out.put(k, walk(v));
            }
        });
        return out;
    }
}
