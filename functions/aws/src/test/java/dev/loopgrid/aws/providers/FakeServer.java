package dev.loopgrid.aws.providers;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.loopgrid.core.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** A scripted HTTP server on 127.0.0.1, port 0: answers requests in order, the last answer repeating. */
final class FakeServer implements AutoCloseable {

    record Request(String method, String rawPath, Headers headers, String body) {
        JsonNode json() {
            return Json.parseStored(body);
        }

        String header(String name) {
            return headers.getFirst(name);
        }
    }

    @FunctionalInterface
    interface Answer {
        void answer(HttpExchange exchange) throws IOException;
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-provider");
        t.setDaemon(true);
        return t;
    });
    private final List<Request> requests = new ArrayList<>();
    private final Deque<Answer> script = new ArrayDeque<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private Answer last;

    FakeServer() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Queues answers; the last one keeps being given once the queue is empty. */
    synchronized FakeServer then(Answer... answers) {
        for (Answer a : answers) script.addLast(a);
        return this;
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    synchronized List<Request> requests() {
        return List.copyOf(requests);
    }

    Request only() {
        List<Request> r = requests();
        if (r.size() != 1) throw new AssertionError("expected one request, got " + r.size());
        return r.get(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        String body;
        try (InputStream in = ex.getRequestBody()) {
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Answer answer;
        synchronized (this) {
            requests.add(new Request(ex.getRequestMethod(), ex.getRequestURI().getRawPath(), ex.getRequestHeaders(), body));
            Answer next = script.pollFirst();
            if (next != null) last = next;
            answer = last;
        }
        try {
            if (answer == null) respond(ex, 500, "{\"error\":\"no scripted answer\"}");
            else answer.answer(ex);
        } finally {
            ex.close();
        }
    }

    // ----- answers

    static Answer json(int status, String body, String... headerPairs) {
        return ex -> {
            for (int i = 0; i + 1 < headerPairs.length; i += 2) ex.getResponseHeaders().add(headerPairs[i], headerPairs[i + 1]);
            respond(ex, status, body);
        };
    }

    static Answer resource(int status, String name, String... headerPairs) {
        return json(status, Fixtures.resource(name), headerPairs);
    }

    /** Never answers (until the server closes). */
    Answer hang() {
        return ex -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }

    private static void respond(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        if (!ex.getResponseHeaders().containsKey("Content-Type")) {
            ex.getResponseHeaders().add("Content-Type", "application/json");
        }
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        release.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
