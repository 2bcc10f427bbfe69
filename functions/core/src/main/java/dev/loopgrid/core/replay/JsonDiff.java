package dev.loopgrid.core.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.Json;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;

/**
 * A structured diff of two JSON values as JSON-pointer paths (RFC 6901) with {@code add}, {@code remove}
 * or {@code replace}. Objects are compared member by member (in sorted order, so the diff is
 * deterministic), arrays element by element by index, anything else by value (numbers numerically).
 */
public final class JsonDiff {

    /** One change: {@code from} is null for add, {@code to} is null for remove. */
    public record Change(String path, String op, JsonNode from, JsonNode to) {}

    private JsonDiff() {}

    public static List<Change> diff(JsonNode from, JsonNode to) {
        List<Change> out = new ArrayList<>();
        walk("", from, to, out);
        return out;
    }

    private static void walk(String path, JsonNode a, JsonNode b, List<Change> out) {
        if (a == null || a.isMissingNode()) {
            if (b != null && !b.isMissingNode()) out.add(new Change(path, "add", null, b));
            return;
        }
        if (b == null || b.isMissingNode()) {
            out.add(new Change(path, "remove", a, null));
            return;
        }
        if (a.isObject() && b.isObject()) {
            TreeSet<String> names = new TreeSet<>();
            a.fieldNames().forEachRemaining(names::add);
            b.fieldNames().forEachRemaining(names::add);
            for (String n : names) walk(path + "/" + escape(n), a.get(n), b.get(n), out);
            return;
        }
        if (a.isArray() && b.isArray()) {
            int common = Math.min(a.size(), b.size());
            for (int i = 0; i < common; i++) walk(path + "/" + i, a.get(i), b.get(i), out);
            for (int i = common; i < b.size(); i++) out.add(new Change(path + "/" + i, "add", null, b.get(i)));
            for (int i = a.size() - 1; i >= common; i--) out.add(new Change(path + "/" + i, "remove", a.get(i), null));
            return;
        }
        if (!same(a, b)) out.add(new Change(path, "replace", a, b));
    }

    private static boolean same(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) return a.decimalValue().compareTo(b.decimalValue()) == 0;
        return a.equals(b);
    }

    /** RFC 6901: '~' → '~0', '/' → '~1'. */
    static String escape(String name) {
        return name.replace("~", "~0").replace("/", "~1");
    }

    /** The diff as the API's {@code diff} array. */
    public static ArrayNode toJson(List<Change> changes) {
        ArrayNode arr = Json.MAPPER.createArrayNode();
        for (Change c : changes) {
            ObjectNode o = arr.addObject();
            o.put("path", c.path());
            o.put("op", c.op());
            if (c.from() != null) o.set("from", c.from());
            if (c.to() != null) o.set("to", c.to());
        }
        return arr;
    }

    /** A one-line summary, e.g. {@code "2 changes: replace /response, add /simulated"}; null when equal. */
    public static String summary(List<Change> changes) {
        if (changes.isEmpty()) return null;
        StringBuilder sb = new StringBuilder();
        sb.append(changes.size()).append(changes.size() == 1 ? " change: " : " changes: ");
        Iterator<Change> it = changes.iterator();
        for (int i = 0; it.hasNext() && i < 5; i++) {
            Change c = it.next();
            if (i > 0) sb.append(", ");
            sb.append(c.op()).append(' ').append(c.path().isEmpty() ? "/" : c.path());
        }
        if (changes.size() > 5) sb.append(", …");
        return sb.toString();
    }
}
