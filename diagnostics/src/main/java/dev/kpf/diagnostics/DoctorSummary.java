package dev.kpf.diagnostics;

/**
 * A doctor run in numbers: how many checks passed, warned, failed and could not run, and a score from 0 to 100:
 * passes count whole, warnings half, failures nothing, over the checks that ran (those that could not run are left
 * out, so a node without an API server is not scored down for the cluster checks it could not do); none (null) when no
 * check ran.
 */
public record DoctorSummary(int checks, int pass, int warn, int fail, int unknown, Integer score) {
    public static DoctorSummary of(DoctorReport report) {
        int pass = 0, warn = 0, fail = 0, unknown = 0;
        for (CheckResult c : report.checks()) {
            switch (c.status()) {
                case PASS -> pass++;
                case WARN -> warn++;
                case FAIL -> fail++;
                case UNKNOWN -> unknown++;
            }
        }
        int ran = pass + warn + fail;
        Integer score = ran == 0 ? null : (int) Math.round(100.0 * (pass + warn / 2.0) / ran);
        return new DoctorSummary(report.checks().size(), pass, warn, fail, unknown, score);
    }

    /** For text output: {@code 34 checks: 30 passed, 2 warnings, 1 failed, 1 could not run; score 91/100}. */
    public String line() {
        return String.format("%s: %d passed, %s, %d failed, %d could not run; %s", count(checks, "check"), pass, count(warn, "warning"), fail, unknown,
                score == null ? "no score (no check ran)" : "score " + score + "/100");
    }

    /** {@code 1 check}, {@code 2 checks}: counts in messages read as English. */
    public static String count(long n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }
}
