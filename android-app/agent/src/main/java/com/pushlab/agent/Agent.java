package com.pushlab.agent;

import android.content.Context;
import android.content.SharedPreferences;
import android.util.Log;

import com.pushlab.core.DeviceEvent;
import com.pushlab.core.EventReporter;
import com.pushlab.core.HubReporter;

/**
 * The agent's process-wide state: where the hub is, which device this is,
 * and the event reporter. Hub and device come from the service's start
 * extras and are kept in preferences, so receivers woken in a new process
 * still know them.
 */
final class Agent {
    static final String TAG = "pushlab-agent";
    private static Agent instance;

    private final Context app;
    private final SharedPreferences prefs;
    private final HubReporter reporter = new HubReporter(new EventReporter.Log() {
        @Override
        public void warn(String message) {
            Log.w(TAG, message);
        }
    });

    private Agent(Context app) {
        this.app = app;
        this.prefs = app.getSharedPreferences("agent", Context.MODE_PRIVATE);
    }

    static synchronized Agent get(Context c) {
        if (instance == null) {
            instance = new Agent(c.getApplicationContext());
        }
        return instance;
    }

    Context context() {
        return app;
    }

    synchronized void configure(String hub, String device) {
        SharedPreferences.Editor e = prefs.edit();
        if (hub != null && !hub.isEmpty()) {
            e.putString("hub", hub);
        }
        if (device != null && !device.isEmpty()) {
            e.putString("device", device);
        }
        e.apply();
    }

    String hub() {
        return prefs.getString("hub", "");
    }

    String device() {
        return prefs.getString("device", "");
    }

    /** Posts an event to the hub (dropped with a log line when no hub is set). */
    synchronized void report(DeviceEvent e) {
        String hub = hub();
        if (hub.isEmpty()) {
            Log.w(TAG, "no hub configured; event not sent: " + e.kind.wire);
            return;
        }
        reporter.report(hub, e);
    }
}
