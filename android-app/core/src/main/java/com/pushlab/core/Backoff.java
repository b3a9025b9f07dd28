package com.pushlab.core;

/**
 * Reconnect delays for the gateway stream: doubling from a base up to a cap,
 * back to the base once a connection has stayed up.
 */
public final class Backoff {
    private final long baseMillis;
    private final long capMillis;
    private long next;

    public Backoff(long baseMillis, long capMillis) {
        this.baseMillis = baseMillis;
        this.capMillis = capMillis;
        this.next = baseMillis;
    }

    /** The delay before the next attempt; doubles the one after. */
    public long nextDelayMillis() {
        long d = next;
        next = Math.min(capMillis, next * 2);
        return d;
    }

    /** A connection succeeded: start from the base again. */
    public void reset() {
        next = baseMillis;
    }
}
