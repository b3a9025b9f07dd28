package com.pushlab.core;

import java.io.IOException;

/**
 * Holds the gateway stream open for as long as it runs: reads JSON lines,
 * hands each item to a handler, and reconnects with backoff when the
 * connection drops. Run it on its own thread; {@link #stop} ends it.
 */
public final class StreamLoop implements Runnable {
    /** What the loop reports. Called on the loop's thread. */
    public interface Handler {
        void onConnected(String device);

        void onItem(StreamItem item);

        /** A line that is not a valid stream item: skipped. */
        void onBadLine(String line, JsonException error);

        void onDisconnected(Exception cause, long retryInMillis);
    }

    /** Waits between attempts (a test can make it instant). */
    public interface Sleeper {
        void sleep(long millis) throws InterruptedException;
    }

    public static final Sleeper THREAD_SLEEP = new Sleeper() {
        @Override
        public void sleep(long millis) throws InterruptedException {
            Thread.sleep(millis);
        }
    };

    private final GatewayClient client;
    private final String device;
    private final Handler handler;
    private final Backoff backoff;
    private final Sleeper sleeper;
    private volatile boolean stopped;
    private volatile Http.Lines current;

    public StreamLoop(GatewayClient client, String device, Handler handler, Backoff backoff, Sleeper sleeper) {
        this.client = client;
        this.device = device;
        this.handler = handler;
        this.backoff = backoff;
        this.sleeper = sleeper;
    }

    @Override
    public void run() {
        while (!stopped) {
            Exception cause;
            try {
                Http.Lines lines = client.openStream(device);
                current = lines;
                try {
                    readAll(lines);
                    cause = new IOException("stream closed by the hub");
                } finally {
                    lines.close();
                    current = null;
                }
            } catch (IOException e) {
                cause = e;
            }
            if (stopped) {
                break;
            }
            long delay = backoff.nextDelayMillis();
            handler.onDisconnected(cause, delay);
            try {
                sleeper.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
    }

    private void readAll(Http.Lines lines) throws IOException {
        String line;
        while (!stopped && (line = lines.next()) != null) {
            StreamItem item;
            try {
                item = StreamItem.parseLine(line);
            } catch (JsonException e) {
                handler.onBadLine(line, e);
                continue;
            }
            if (item.type == StreamItem.Type.HELLO) {
                backoff.reset();
                handler.onConnected(item.device);
            } else {
                handler.onItem(item);
            }
        }
    }

    /** Ends the loop and closes the connection. */
    public void stop() {
        stopped = true;
        Http.Lines l = current;
        if (l != null) {
            l.close();
        }
    }
}
