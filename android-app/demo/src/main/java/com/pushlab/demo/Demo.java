package com.pushlab.demo;

import android.app.NotificationChannel;
import android.app.NotificationManager;
import android.content.Context;
import android.content.SharedPreferences;
import android.os.Bundle;
import android.util.Log;

import com.pushlab.core.Backoff;
import com.pushlab.core.DeviceEvent;
import com.pushlab.core.DisplayPlan;
import com.pushlab.core.EventReporter;
import com.pushlab.core.HubReporter;
import com.pushlab.core.ExtExtractor;
import com.pushlab.core.Http;
import com.pushlab.core.ImClient;
import com.pushlab.core.Vendor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The demo app's process-wide state: hub, device, IM session, channel
 * settings (kept in preferences), the event reporter and the IM online
 * connection, which stays open on a background thread while the process
 * lives and the user is logged in.
 */
final class Demo {
    static final String TAG = "pushlab-demo";
    static final String DEFAULT_CHANNEL = "im";
    private static Demo instance;

    private final Context app;
    private final SharedPreferences prefs;
    private final HubReporter reporter = new HubReporter(new EventReporter.Log() {
        @Override
        public void warn(String message) {
            Log.w(TAG, message);
        }
    });
    private Thread connection;
    private volatile Http.Lines lines;
    private volatile String connectedSession;

    private Demo(Context app) {
        this.app = app;
        this.prefs = app.getSharedPreferences("demo", Context.MODE_PRIVATE);
    }

    static synchronized Demo get(Context c) {
        if (instance == null) {
            instance = new Demo(c.getApplicationContext());
        }
        return instance;
    }

    SharedPreferences prefs() {
        return prefs;
    }

    String hub() {
        return prefs.getString("hub", "");
    }

    String device() {
        return prefs.getString("device", "");
    }

    String session() {
        return prefs.getString("session", "");
    }

    String channelId() {
        return prefs.getString("channel_id", DEFAULT_CHANNEL);
    }

    boolean createChannel() {
        return prefs.getBoolean("create_channel", true);
    }

    /** Creates the notification channel unless told not to; deletes it when told not to. */
    void applyChannel() {
        NotificationManager nm = app.getSystemService(NotificationManager.class);
        String id = channelId();
        if (createChannel()) {
            if (nm.getNotificationChannel(id) == null) {
                nm.createNotificationChannel(new NotificationChannel(id, app.getString(R.string.channel_name),
                        NotificationManager.IMPORTANCE_DEFAULT));
            }
        } else if (nm.getNotificationChannel(id) != null) {
            nm.deleteNotificationChannel(id);
        }
    }

    /** Reports an app event to the hub's gateway. */
    synchronized void report(DeviceEvent e) {
        String hub = hub();
        if (hub.isEmpty()) {
            Log.w(TAG, "no hub yet; not reporting " + e.kind.wire);
            return;
        }
        reporter.report(hub, e);
    }

    /** Reports what an opened activity received: activity_started, then every ext found. */
    void reportActivity(String component, Bundle extras) {
        Map<String, Object> map = toMap(extras);
        Object id = map.get(DisplayPlan.EXTRA_MESSAGE_ID);
        String messageId = id instanceof String ? (String) id : null;
        report(DeviceEvent.activityStarted(messageId, device(), component));
        report(extEvents(messageId, ExtExtractor.fromActivity(pushVendor(), map)));
    }

    /**
     * The app's push channel: the vendor whose token it last asked for
     * (report_token); a tap's extras are read by that vendor's rules. Null
     * before any.
     */
    Vendor pushVendor() {
        String v = prefs.getString("vendor", null);
        for (Vendor x : Vendor.values()) {
            if (x.wire.equals(v)) {
                return x;
            }
        }
        return null;
    }

    private void report(List<DeviceEvent> events) {
        for (DeviceEvent e : events) {
            report(e);
        }
    }

    List<DeviceEvent> extEvents(String messageId, List<ExtExtractor.Found> found) {
        List<DeviceEvent> out = new java.util.ArrayList<DeviceEvent>();
        for (ExtExtractor.Found f : found) {
            out.add(DeviceEvent.extReceived(messageId, device(), f.via, f.value));
        }
        return out;
    }

    @SuppressWarnings("deprecation")
    static Map<String, Object> toMap(Bundle b) {
        Map<String, Object> m = new LinkedHashMap<String, Object>();
        if (b == null) {
            return m;
        }
        for (String k : b.keySet()) {
            m.put(k, b.get(k));
        }
        return m;
    }

    /** Keeps {@code GET /im/v1/connection?session=} open while logged in. */
    synchronized void ensureConnection() {
        final String session = session();
        final String hub = hub();
        if (session.isEmpty() || hub.isEmpty()) {
            return;
        }
        if (connection != null && connection.isAlive() && session.equals(connectedSession)) {
            return;
        }
        stopConnection();
        connectedSession = session;
        connection = new Thread(new Runnable() {
            @Override
            public void run() {
                Backoff backoff = new Backoff(500, 30000);
                ImClient im = new ImClient(hub);
                while (session.equals(connectedSession)) {
                    try {
                        Http.Lines l = im.connect(session);
                        lines = l;
                        backoff.reset();
                        String line;
                        while ((line = l.next()) != null) {
                            Log.i(TAG, "online: " + line);
                        }
                    } catch (Exception e) {
                        Log.w(TAG, "online connection lost: " + e.getMessage());
                    }
                    if (!session.equals(connectedSession)) {
                        break;
                    }
                    try {
                        Thread.sleep(backoff.nextDelayMillis());
                    } catch (InterruptedException e) {
                        break;
                    }
                }
            }
        }, "pushlab-im-connection");
        connection.setDaemon(true);
        connection.start();
    }

    synchronized void stopConnection() {
        connectedSession = null;
        Http.Lines l = lines;
        if (l != null) {
            l.close();
        }
        if (connection != null) {
            connection.interrupt();
            connection = null;
        }
    }
}
