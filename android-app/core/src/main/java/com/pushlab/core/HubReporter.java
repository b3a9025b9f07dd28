package com.pushlab.core;

/**
 * An {@link EventReporter} that follows the hub's address: the agent and
 * the demo app learn the hub from the runner's commands, and a new address
 * (a new run's hub) replaces the reporter bound to the old one.
 */
public final class HubReporter {
    private final EventReporter.Log log;
    private EventReporter reporter;
    private String reporterHub;

    public HubReporter(EventReporter.Log log) {
        this.log = log;
    }

    /** Queues {@code e} for the hub at {@code hub} (a base URL). */
    public synchronized void report(String hub, DeviceEvent e) {
        if (reporter == null || !hub.equals(reporterHub)) {
            if (reporter != null) {
                reporter.stop();
            }
            reporter = new EventReporter(new GatewayClient(hub), log);
            reporterHub = hub;
        }
        reporter.report(e);
    }
}
