package com.pushlab.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * The gateway client against a loopback HTTP server that streams JSON lines
 * in chunks, drops the connection, and streams again.
 */
public class StreamLoopTest {
    private HttpServer server;
    private final AtomicInteger connections = new AtomicInteger();
    private final BlockingQueue<String> events = new LinkedBlockingQueue<String>();
    private String hub;

    @Before
    public void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/gateway/v1/stream", new HttpHandler() {
            @Override
            public void handle(HttpExchange ex) throws IOException {
                int n = connections.incrementAndGet();
                ex.getResponseHeaders().add("Content-Type", "application/x-ndjson");
                ex.sendResponseHeaders(200, 0);
                OutputStream out = ex.getResponseBody();
                String device = java.net.URLDecoder.decode(ex.getRequestURI().getRawQuery().replace("device=", ""), "UTF-8");
                write(out, "{\"type\":\"hello\",\"device\":\"" + device + "\"}\n");
                write(out, "{\"type\":\"ping\"}\n\n");
                write(out, "this is not json\n");
                // One line split over two chunks.
                write(out, "{\"type\":\"tap\",");
                write(out, "\"message_id\":\"m" + n + "\"}\n");
                out.close();
            }
        });
        server.createContext("/gateway/v1/events", new HttpHandler() {
            @Override
            public void handle(HttpExchange ex) throws IOException {
                byte[] body = Http.readAll(ex.getRequestBody()).getBytes("UTF-8");
                events.add(new String(body, "UTF-8"));
                byte[] ok = "{\"accepted\":1}".getBytes("UTF-8");
                ex.sendResponseHeaders(200, ok.length);
                ex.getResponseBody().write(ok);
                ex.close();
            }
        });
        server.start();
        hub = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private static void write(OutputStream out, String s) throws IOException {
        out.write(s.getBytes("UTF-8"));
        out.flush();
    }

    @After
    public void stop() {
        server.stop(0);
    }

    @Test
    public void readsItemsSkipsBadLinesAndReconnectsWithBackoff() throws Exception {
        final BlockingQueue<String> seen = new LinkedBlockingQueue<String>();
        final BlockingQueue<Long> delays = new LinkedBlockingQueue<Long>();
        final StreamLoop[] loop = new StreamLoop[1];
        loop[0] = new StreamLoop(new GatewayClient(hub + "/"), "emulator 5554", new StreamLoop.Handler() {
            @Override
            public void onConnected(String device) {
                seen.add("connected " + device);
            }

            @Override
            public void onItem(StreamItem item) {
                seen.add(item.type.wire + (item.messageId == null ? "" : " " + item.messageId));
                if ("m2".equals(item.messageId)) {
                    loop[0].stop();
                }
            }

            @Override
            public void onBadLine(String line, JsonException error) {
                seen.add("bad " + line);
            }

            @Override
            public void onDisconnected(Exception cause, long retryInMillis) {
                delays.add(retryInMillis);
            }
        }, new Backoff(100, 400), new StreamLoop.Sleeper() {
            @Override
            public void sleep(long millis) {
                // no waiting in tests
            }
        });
        Thread t = new Thread(loop[0]);
        t.start();
        String[] want = {"connected emulator 5554", "ping", "bad this is not json", "tap m1",
            "connected emulator 5554", "ping", "bad this is not json", "tap m2"};
        for (String w : want) {
            assertEquals(w, seen.poll(10, TimeUnit.SECONDS));
        }
        t.join(10000);
        assertTrue("the loop ends after stop()", !t.isAlive());
        // A connection that said hello resets the backoff to its base.
        assertEquals(Long.valueOf(100), delays.poll(1, TimeUnit.SECONDS));
    }

    @Test
    public void backoffDoublesUpToItsCapAndResets() {
        Backoff b = new Backoff(500, 3000);
        assertEquals(500, b.nextDelayMillis());
        assertEquals(1000, b.nextDelayMillis());
        assertEquals(2000, b.nextDelayMillis());
        assertEquals(3000, b.nextDelayMillis());
        assertEquals(3000, b.nextDelayMillis());
        b.reset();
        assertEquals(500, b.nextDelayMillis());
    }

    @Test
    public void eventsArePostedAsOneArrayInReportOrder() throws Exception {
        EventReporter r = new EventReporter(new GatewayClient(hub), new EventReporter.Log() {
            @Override
            public void warn(String message) {
                events.add("warn " + message);
            }
        });
        r.report(DeviceEvent.received("m1", "d"));
        String body = events.poll(10, TimeUnit.SECONDS);
        assertEquals("[{\"message_id\":\"m1\",\"device\":\"d\",\"reporter\":\"push_service\",\"kind\":\"received\"}]",
                body);
        r.stop();
    }
}
