package dev.loopgrid.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyRequestEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.loopgrid.aws.App;
import dev.loopgrid.aws.Routes;
import dev.loopgrid.aws.http.ApiHandler;
import dev.loopgrid.aws.http.ApiResponses;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A request that pauses through {@link HttpFront#idle} (a long-polled receipt) gives its handler slot back while
 * it pauses: with one slot, another request runs meanwhile, and the paused one still finishes once it has the slot
 * again.
 */
class IdleWaitTest {
    static volatile CountDownLatch pausing = new CountDownLatch(1);
    static final AtomicBoolean WAIT_DONE = new AtomicBoolean();
    static volatile boolean idle = true; // false: pause by plain sleep, holding the slot

    static final class WaitHandler extends ApiHandler {
        WaitHandler(App app) {
            super("local");
        }

        @Override
        protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent e) {
            pausing.countDown();
            try {
                for (int i = 0; i < 20; i++) {
                    if (idle) HttpFront.idle(() -> Thread.sleep(100));
                    else Thread.sleep(100);
                }
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
            }
            WAIT_DONE.set(true);
            return ApiResponses.json(200, Map.of("waited", true));
        }
    }

    static final class QuickHandler extends ApiHandler {
        QuickHandler(App app) {
            super("local");
        }

        @Override
        protected APIGatewayProxyResponseEvent handle(APIGatewayProxyRequestEvent e) {
            return ApiResponses.json(200, Map.of("wait_done", WAIT_DONE.get()));
        }
    }

    private static final List<Routes.Route> ROUTES = List.of(
            new Routes.Route("Wait", "GET", "/wait", WaitHandler.class, WaitHandler::new, Routes.Access.NONE),
            new Routes.Route("Quick", "GET", "/quick", QuickHandler.class, QuickHandler::new, Routes.Access.NONE));

    private LocalHttpServer server;

    @AfterEach
    void stop() {
        if (server != null) server.stop();
    }

    private CompletableFuture<HttpResponse<String>> inBackground(HttpClient c, String path) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return get(c, path);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private HttpResponse<String> get(HttpClient c, String path) throws Exception {
        return c.send(HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aPausedRequest_letsAnotherRunInItsSlot_andFinishesAfterwards() throws Exception {
        idle = true;
        WAIT_DONE.set(false);
        pausing = new CountDownLatch(1);
        server = new LocalHttpServer(null, ROUTES, "127.0.0.1", 0, 1).start(); // one handler slot
        HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        CompletableFuture<HttpResponse<String>> waiting = inBackground(c, "/wait");
        assertTrue(pausing.await(10, TimeUnit.SECONDS));

        HttpResponse<String> quick = get(c, "/quick");
        assertEquals(200, quick.statusCode());
        assertTrue(quick.body().contains("\"wait_done\":false"), quick.body()); // it ran while the other paused

        HttpResponse<String> waited = waiting.get(20, TimeUnit.SECONDS);
        assertEquals(200, waited.statusCode());
        assertTrue(WAIT_DONE.get());
    }

    @Test
    void outsideARequest_itJustSleeps() throws Exception {
        long t0 = System.nanoTime();
        HttpFront.idle(() -> Thread.sleep(30));
        assertTrue(System.nanoTime() - t0 >= 30_000_000L);
    }

    @Test
    void aPlainSleep_holdsTheSlot_soTheOtherRequestWaits() throws Exception {
        // the control: the same pause by Thread.sleep keeps the one slot, and the quick request runs only after it
        idle = false;
        WAIT_DONE.set(false);
        pausing = new CountDownLatch(1);
        server = new LocalHttpServer(null, ROUTES, "127.0.0.1", 0, 1).start();
        HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        CompletableFuture<HttpResponse<String>> waiting = inBackground(c, "/wait");
        assertTrue(pausing.await(10, TimeUnit.SECONDS)); // the wait request holds the slot
        HttpResponse<String> quick = get(c, "/quick");
        assertTrue(quick.body().contains("\"wait_done\":true"), quick.body());
        assertEquals(200, waiting.get(20, TimeUnit.SECONDS).statusCode());
        idle = true;
    }
}
