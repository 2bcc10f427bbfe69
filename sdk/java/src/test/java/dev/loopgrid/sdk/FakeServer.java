package dev.loopgrid.sdk;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A scripted HTTP/1.1 server on a raw socket, one request per connection, to produce what a real server cannot
 * be made to do on demand: drop the connection after reading the request, never answer, answer 503 twice.
 */
final class FakeServer implements AutoCloseable {
    /** A request as received. */
    record Request(String method, String target, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** What to do with a request. */
    sealed interface Action permits Respond, Drop, Hang {}

    record Respond(int status, String contentType, String body, Map<String, String> headers) implements Action {
        static Respond json(int status, String body) {
            return new Respond(status, "application/json", body, Map.of());
        }
    }

    /** Close the connection without answering (the request was delivered). */
    record Drop() implements Action {}

    /** Never answer (until the server closes). */
    record Hang() implements Action {}

    final List<Request> requests = new CopyOnWriteArrayList<>();
    private final ServerSocket socket;
    private final Function<Request, Action> script;
    private final Thread acceptor;
    private final List<Socket> open = new CopyOnWriteArrayList<>();

    FakeServer(Function<Request, Action> script) throws IOException {
        this.script = script;
        this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::accept, "fake-server");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    String url() {
        return "http://127.0.0.1:" + socket.getLocalPort();
    }

    private void accept() {
        while (!socket.isClosed()) {
            try {
                Socket s = socket.accept();
                open.add(s);
                Thread t = new Thread(() -> serve(s), "fake-server-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try {
            Request r = read(s.getInputStream());
            if (r == null) {
                s.close();
                return;
            }
            requests.add(r);
            Action a = script.apply(r);
            if (a instanceof Drop) {
                s.close();
            } else if (a instanceof Respond resp) {
                byte[] body = resp.body().getBytes(StandardCharsets.UTF_8);
                StringBuilder head = new StringBuilder("HTTP/1.1 " + resp.status() + " X\r\n");
                head.append("Content-Type: ").append(resp.contentType()).append("\r\n");
                head.append("Content-Length: ").append(body.length).append("\r\n");
                head.append("Connection: close\r\n");
                resp.headers().forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
                head.append("\r\n");
                OutputStream out = s.getOutputStream();
                out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
                out.write(body);
                out.flush();
                s.close();
            } // Hang: leave it open
        } catch (IOException e) {
            // the client went away
        }
    }

    private static Request read(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        int b;
        while (matched < 4 && (b = in.read()) != -1) {
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1 : 0;
        }
        if (matched < 4) return null;
        String[] lines = head.toString(StandardCharsets.US_ASCII).split("\r\n");
        String[] start = lines[0].split(" ");
        Map<String, String> headers = new TreeMap<>();
        for (int i = 1; i < lines.length; i++) {
            int c = lines[i].indexOf(':');
            if (c > 0) headers.put(lines[i].substring(0, c).trim().toLowerCase(Locale.ROOT), lines[i].substring(c + 1).trim());
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        byte[] body = in.readNBytes(length);
        return new Request(start[0], start[1], headers, new String(body, StandardCharsets.UTF_8));
    }

    @Override
    public void close() throws IOException {
        socket.close();
        for (Socket s : open) s.close();
    }
}
