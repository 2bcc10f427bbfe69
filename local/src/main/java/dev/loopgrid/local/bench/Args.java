package dev.loopgrid.local.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code --name value}, {@code --name=value} and bare {@code --flag} options of one bench subcommand. */
final class Args {

    /** Bad command line: the caller prints the usage and exits with 2. */
    static final class BadArgs extends Exception {
        BadArgs(String message) { super(message); }
    }

    private final Map<String, String> values = new LinkedHashMap<>();

    private Args() {}

    /**
     * @param options names taking a value
     * @param flags   names taking none
     */
    static Args parse(List<String> args, Set<String> options, Set<String> flags) throws BadArgs {
        Args a = new Args();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--") || arg.length() == 2) throw new BadArgs("unexpected argument: " + arg);
            String name = arg.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            if (flags.contains(name)) {
                if (value != null) throw new BadArgs("--" + name + " takes no value");
                value = "true";
            } else if (options.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.size()) throw new BadArgs("--" + name + " needs a value");
                    value = args.get(++i);
                }
            } else {
                throw new BadArgs("unknown option --" + name);
            }
            if (a.values.put(name, value) != null) throw new BadArgs("--" + name + " given twice");
        }
        return a;
    }

    boolean flag(String name) {
        return values.containsKey(name);
    }

    String string(String name, String def) {
        String v = values.get(name);
        return v == null ? def : v;
    }

    long number(String name, long def, long min, long max) throws BadArgs {
        String v = values.get(name);
        if (v == null) return def;
        long n = parseCount(name, v);
        if (n < min || n > max) throw new BadArgs("--" + name + " must be between " + min + " and " + max + ", got " + v);
        return n;
    }

    int integer(String name, int def, int min, int max) throws BadArgs {
        return (int) number(name, def, min, max);
    }

    /** A comma-separated list of counts, each within [min, max]. */
    List<Long> numbers(String name, String def, long min, long max) throws BadArgs {
        String v = string(name, def);
        List<Long> out = new ArrayList<>();
        for (String part : v.split(",", -1)) {
            long n = parseCount(name, part.trim());
            if (n < min || n > max) {
                throw new BadArgs("--" + name + " values must be between " + min + " and " + max + ", got " + part);
            }
            out.add(n);
        }
        return out;
    }

    /** Accepts {@code 4000}, {@code 100_000}, {@code 100k}, {@code 1M}. */
    private static long parseCount(String name, String text) throws BadArgs {
        String t = text.replace("_", "").trim();
        long mult = 1;
        if (t.endsWith("k") || t.endsWith("K")) {
            mult = 1_000;
            t = t.substring(0, t.length() - 1);
        } else if (t.endsWith("m") || t.endsWith("M")) {
            mult = 1_000_000;
            t = t.substring(0, t.length() - 1);
        }
        try {
            return Math.multiplyExact(Long.parseLong(t), mult);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new BadArgs("--" + name + " must be a whole number, got \"" + text + "\"");
        }
    }
}
