package dev.loopgrid.verifycli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code --name value} options and positional arguments, checked against the options a command knows. */
final class Args {
    final List<String> positional = new ArrayList<>();
    private final Map<String, String> options = new HashMap<>();

    private Args() {}

    static Args parse(List<String> args, Set<String> known) throws CliException {
        Args a = new Args();
        for (int i = 0; i < args.size(); i++) {
            String s = args.get(i);
            if (s.startsWith("--") && s.length() > 2) {
                String name = s.substring(2);
                String value = null;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                }
                if (!known.contains(name)) throw CliException.usage("unknown option --" + name);
                if (value == null) {
                    if (i + 1 >= args.size()) throw CliException.usage("--" + name + " needs a value");
                    value = args.get(++i);
                }
                if (a.options.put(name, value) != null) throw CliException.usage("--" + name + " given twice");
            } else {
                a.positional.add(s);
            }
        }
        return a;
    }

    String get(String name) {
        return options.get(name);
    }

    String require(String name) throws CliException {
        String v = options.get(name);
        if (v == null || v.isEmpty()) throw CliException.usage("--" + name + " is required");
        return v;
    }
}
