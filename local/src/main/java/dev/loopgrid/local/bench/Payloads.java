package dev.loopgrid.local.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loopgrid.core.Json;
import java.util.SplittableRandom;

/**
 * Decision request bodies of about {@code size} bytes for one service: random lowercase words in
 * {@code input.message} and {@code output.response}, so every content hash differs. ASCII only, so the
 * body's length in characters is its length in bytes.
 */
final class Payloads {
    private static final String LETTERS = "abcdefghijklmnopqrstuvwxyz";

    private final String service;
    private final int size;
    private final int overhead;

    Payloads(String service, int size) {
        this.service = service;
        this.size = size;
        this.overhead = Json.write(node(0, "", "")).length();
    }

    /** The body of request {@code i}; {@code random} must not be shared between threads. */
    String decision(long i, SplittableRandom random) {
        int fill = Math.max(2, size - overhead);
        return Json.write(node(i, text(fill / 2, random), text(fill - fill / 2, random)));
    }

    /** All bodies of a run, generated before the clock starts so the client spends no CPU on them while timed. */
    String[] pregenerate(long firstIndex, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        String[] out = new String[n];
        for (int k = 0; k < n; k++) out[k] = decision(firstIndex + k, r);
        return out;
    }

    private ObjectNode node(long i, String message, String response) {
        ObjectNode o = Json.object();
        o.put("service_name", service);
        o.put("decision_type", "bench_decision");
        ObjectNode input = o.putObject("input");
        input.put("message", message);
        input.put("request", i);
        ObjectNode model = o.putObject("model");
        model.put("provider", "bench");
        model.put("name", "bench-model-1");
        o.putObject("output").put("response", response);
        ObjectNode metadata = o.putObject("metadata");
        metadata.put("bench", true);
        metadata.put("tokens", 150);
        return o;
    }

    static String text(int length, SplittableRandom r) {
        StringBuilder sb = new StringBuilder(length);
        while (sb.length() < length) {
            if (sb.length() > 0) sb.append(' ');
            int word = 2 + r.nextInt(9);
            for (int k = 0; k < word && sb.length() < length; k++) sb.append(LETTERS.charAt(r.nextInt(26)));
        }
        sb.setLength(length);
        return sb.toString();
    }
}
