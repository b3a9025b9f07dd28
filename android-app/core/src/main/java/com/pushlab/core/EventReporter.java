package com.pushlab.core;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Posts device events to the gateway from one background thread, in the
 * order they were reported, retrying a failed post a few times.
 */
public final class EventReporter {
    /** Where failures are told (a log on Android, stderr on the JVM). */
    public interface Log {
        void warn(String message);
    }

    private final GatewayClient client;
    private final Log log;
    private final LinkedBlockingQueue<DeviceEvent> queue = new LinkedBlockingQueue<DeviceEvent>();
    private final Thread thread;
    private volatile boolean stopped;

    public EventReporter(GatewayClient client, Log log) {
        this.client = client;
        this.log = log;
        this.thread = new Thread(new Runnable() {
            @Override
            public void run() {
                loop();
            }
        }, "pushlab-events");
        thread.setDaemon(true);
        thread.start();
    }

    public void report(DeviceEvent e) {
        queue.add(e);
    }

    private void loop() {
        while (!stopped) {
            DeviceEvent first;
            try {
                first = queue.poll(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (first == null) {
                continue;
            }
            List<DeviceEvent> batch = new ArrayList<DeviceEvent>();
            batch.add(first);
            queue.drainTo(batch);
            for (int attempt = 1; ; attempt++) {
                try {
                    client.postEvents(batch);
                    break;
                } catch (IOException e) {
                    if (attempt >= 5) {
                        log.warn("dropping " + batch.size() + " events: " + e);
                        break;
                    }
                    try {
                        Thread.sleep(200L * attempt);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        }
    }

    public void stop() {
        stopped = true;
        thread.interrupt();
    }
}
