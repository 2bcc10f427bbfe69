package dev.loopgrid.core.decision;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Where a chain's counters ({@link Counters}) are kept, and the cap on the names they are counted under, so that
 * no stored counter record grows without bound.
 *
 * <p><b>Groups.</b> Every counter belongs to one group of one {@link Family}: the {@link Family#TOTAL} group
 * (entries, entries per entry type, decisions, decisions per status, time-to-verdict buckets, replays per status:
 * fixed enumerations), the group of one decision type ({@code type:X}, {@code type_status:*:X}), of one model label
 * ({@code model:M}, {@code model_status:*:M}, {@code latency_ms:*:M}, {@code usage:M}, {@code tokens_*:M}) or of one
 * ISO week ({@code week:W}, {@code week_status:*:W}). A store keeps one record per group (DynamoDB: one item) and
 * writes only the groups a batch touches; inside it, a counter is named by its {@link Slot#field() field}, the
 * counter's name without the group's name.
 *
 * <p><b>The cap.</b> At most {@link #MAX_NAMES} distinct decision types and {@link #MAX_NAMES} distinct model labels
 * per chain get their own counters: the first ones counted are <i>admitted</i>, in the same transaction as the
 * append that counts them first, and from then on every name that is not admitted is counted under
 * {@link #OTHER}. The admitted set never shrinks, so once full it stays full, and a name folded once is folded
 * forever: a later status change of a decision whose name was folded moves the {@link #OTHER} counts too. Weeks are
 * not capped (one group per week).
 *
 * <p><b>Long names.</b> A group name is also a storage key, so a name longer than {@link #MAX_NAME_BYTES} UTF-8
 * bytes (only model labels can be: types are at most 100 characters) is counted under {@link #groupName}: its first
 * 64 characters, "…#" and 16 hex digits of its SHA-256.
 */
public final class CounterGroups {
    /** Distinct decision types, and distinct model labels, a chain counts under their own name. */
    public static final int MAX_NAMES = 100;
    /**
     * The name everything beyond the cap is counted under. It can be no real name: {@link DecisionService} refuses it
     * as a {@code decision_type}, and a model label of a recorded decision always contains "/" (provider/name).
     */
    public static final String OTHER = "(other)";
    /** Longest group name, in UTF-8 bytes (DynamoDB sort keys hold 1,024). */
    public static final int MAX_NAME_BYTES = 400;

    /** The kinds of counter groups. */
    public enum Family {
        TOTAL, TYPE, MODEL, WEEK;

        /** Whether the number of its groups per chain is capped ({@link #MAX_NAMES}). */
        public boolean capped() {
            return this == TYPE || this == MODEL;
        }
    }

    /**
     * Where one counter lives.
     *
     * @param group the group's name: the type, model label or week; "" for {@link Family#TOTAL}
     * @param field the counter's name within its group
     */
    public record Slot(Family family, String group, String field) {
        /** The counter's full name. */
        public String counter() {
            return family == Family.TOTAL ? field : field + ":" + group;
        }
    }

    /** Counter name prefix → family and how many ':'-separated parts follow the prefix before the group's name. */
    private record Shape(Family family, int parts) {}

    private static final Map<String, Shape> SHAPES = Map.ofEntries(
            Map.entry("type", new Shape(Family.TYPE, 0)),
            Map.entry("type_status", new Shape(Family.TYPE, 1)),
            Map.entry("model", new Shape(Family.MODEL, 0)),
            Map.entry("model_status", new Shape(Family.MODEL, 1)),
            Map.entry("latency_ms", new Shape(Family.MODEL, 1)),
            Map.entry("usage", new Shape(Family.MODEL, 0)),
            Map.entry("tokens_in", new Shape(Family.MODEL, 0)),
            Map.entry("tokens_out", new Shape(Family.MODEL, 0)),
            Map.entry("tokens_total", new Shape(Family.MODEL, 0)),
            Map.entry("week", new Shape(Family.WEEK, 0)),
            Map.entry("week_status", new Shape(Family.WEEK, 1)));

    private CounterGroups() {}

    /** The group and field of a counter name (names may contain ':'; the group's name is whatever follows the field). */
    public static Slot slot(String counter) {
        int colon = counter.indexOf(':');
        Shape shape = colon < 0 ? null : SHAPES.get(counter.substring(0, colon));
        if (shape == null) return new Slot(Family.TOTAL, "", counter);
        int end = colon;
        for (int i = 0; i < shape.parts() && end >= 0; i++) end = counter.indexOf(':', end + 1);
        if (end < 0) return new Slot(Family.TOTAL, "", counter);
        return new Slot(shape.family(), counter.substring(end + 1), counter.substring(0, end));
    }

    /** The counter {@code field} of group {@code group} in {@code family}: the inverse of {@link #slot}. */
    public static String counter(Family family, String group, String field) {
        return new Slot(family, group, field).counter();
    }

    /** The name a group is kept under: {@code name}, or for a name over {@link #MAX_NAME_BYTES} bytes a bounded one. */
    public static String groupName(String name) {
        if (name.length() * 3 <= MAX_NAME_BYTES || name.getBytes(StandardCharsets.UTF_8).length <= MAX_NAME_BYTES) return name;
        int cut = name.offsetByCodePoints(0, Math.min(64, name.codePointCount(0, name.length())));
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
            return name.substring(0, cut) + "…#" + HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing", e);
        }
    }

    /**
     * A batch's counter deltas, folded.
     *
     * @param deltas counter → delta, every capped name admitted or {@link #OTHER}; zero sums left out
     * @param admit  per capped family, the names this batch admits (not among the admitted ones given), in order
     */
    public record Folded(Map<String, Long> deltas, Map<Family, Set<String>> admit) {
        /** Whether the batch admits a name of {@code family}. */
        public boolean admits(Family family) {
            return !admit.getOrDefault(family, Set.of()).isEmpty();
        }
    }

    /**
     * Folds a batch's counter deltas: a type or model name already {@code admitted} keeps its counters; a new one is
     * admitted while the family's admitted names and those this batch admits number fewer than {@code cap}; any other
     * is counted under {@link #OTHER}. New names are taken in counter-name order, so the result is deterministic.
     *
     * <p>A store that knows the admitted names only as of some read must write the result on condition that the
     * admitted set is still what it was given whenever the result admits a name; when it is given at least
     * {@code cap} names, it needs no condition (the set is full for good).
     *
     * @param admitted per capped family, names admitted to the chain (missing: none)
     */
    public static Folded fold(Map<String, Long> deltas, Map<Family, Set<String>> admitted, int cap) {
        Map<String, Long> out = new TreeMap<>();
        Map<Family, Set<String>> admit = new TreeMap<>();
        for (Map.Entry<String, Long> d : new TreeMap<>(deltas).entrySet()) {
            Slot s = slot(d.getKey());
            String counter = d.getKey();
            if (s.family() != Family.TOTAL) {
                String group = groupName(s.group());
                if (s.family().capped() && !group.equals(OTHER)) {
                    Set<String> known = admitted.getOrDefault(s.family(), Set.of());
                    Set<String> mine = admit.computeIfAbsent(s.family(), f -> new LinkedHashSet<>());
                    if (!known.contains(group) && !mine.contains(group)) {
                        if (known.size() + mine.size() < cap) mine.add(group);
                        else group = OTHER;
                    }
                }
                counter = counter(s.family(), group, s.field());
            }
            out.merge(counter, d.getValue(), Long::sum);
        }
        out.values().removeIf(v -> v == 0);
        admit.values().removeIf(Set::isEmpty);
        return new Folded(out, admit);
    }
}
