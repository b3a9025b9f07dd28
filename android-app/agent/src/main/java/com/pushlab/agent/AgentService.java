package com.pushlab.agent;

import android.app.Notification;
import android.app.NotificationChannel;
import android.app.NotificationManager;
import android.app.Service;
import android.content.Intent;
import android.os.IBinder;
import android.util.Log;

import com.pushlab.core.Backoff;
import com.pushlab.core.GatewayClient;
import com.pushlab.core.JsonException;
import com.pushlab.core.StreamItem;
import com.pushlab.core.StreamLoop;

/**
 * The foreground service that stands in for the vendor's push service: it
 * holds {@code GET /gateway/v1/stream?device=…} open (reconnecting with
 * backoff) and executes what arrives.
 *
 * <p>Started with {@code am start-foreground-service -n com.pushlab.agent/.AgentService
 * --es hub HUB --es device SERIAL}.
 */
public class AgentService extends Service {
    static final String SERVICE_CHANNEL = "pushlab_agent";
    private static final int SERVICE_NOTIFICATION_ID = 1;

    private static volatile String state = "stopped";

    private StreamLoop loop;
    private Thread thread;
    private String runningFor;

    static String state() {
        return state;
    }

    @Override
    public IBinder onBind(Intent intent) {
        return null;
    }

    @Override
    public int onStartCommand(Intent intent, int flags, int startId) {
        Agent agent = Agent.get(this);
        if (intent != null) {
            agent.configure(intent.getStringExtra("hub"), intent.getStringExtra("device"));
        }
        startForeground(SERVICE_NOTIFICATION_ID, serviceNotification());
        String hub = agent.hub();
        String device = agent.device();
        if (hub.isEmpty() || device.isEmpty()) {
            Log.w(Agent.TAG, "start with --es hub HUB --es device SERIAL");
            state = "not configured";
            return START_STICKY;
        }
        String key = hub + " " + device;
        if (loop == null || !key.equals(runningFor)) {
            stopLoop();
            start(agent, hub, device);
            runningFor = key;
        }
        return START_STICKY;
    }

    private void start(final Agent agent, String hub, final String device) {
        final Executor executor = new Executor(agent);
        loop = new StreamLoop(new GatewayClient(hub), device, new StreamLoop.Handler() {
            @Override
            public void onConnected(String dev) {
                state = "connected as " + dev;
                Log.i(Agent.TAG, "gateway stream open for " + dev);
            }

            @Override
            public void onItem(StreamItem item) {
                switch (item.type) {
                    case DISPLAY:
                        executor.display(item.instruction);
                        break;
                    case TAP:
                        executor.tap(item.messageId);
                        break;
                    case CLEAR:
                        executor.clear(item.messageId);
                        break;
                    default:
                        break;
                }
            }

            @Override
            public void onBadLine(String line, JsonException error) {
                Log.w(Agent.TAG, "skipping stream line (" + error.getMessage() + "): " + line);
            }

            @Override
            public void onDisconnected(Exception cause, long retryInMillis) {
                state = "reconnecting in " + retryInMillis + " ms (" + cause.getMessage() + ")";
                Log.w(Agent.TAG, "gateway stream lost: " + cause + "; retrying in " + retryInMillis + " ms");
            }
        }, new Backoff(500, 30000), StreamLoop.THREAD_SLEEP);
        thread = new Thread(loop, "pushlab-gateway");
        thread.start();
        state = "connecting to " + hub;
    }

    private void stopLoop() {
        if (loop != null) {
            loop.stop();
            thread.interrupt();
            loop = null;
            thread = null;
        }
    }

    @Override
    public void onDestroy() {
        stopLoop();
        state = "stopped";
        super.onDestroy();
    }

    private Notification serviceNotification() {
        NotificationManager nm = getSystemService(NotificationManager.class);
        nm.createNotificationChannel(new NotificationChannel(SERVICE_CHANNEL,
                getString(R.string.service_channel), NotificationManager.IMPORTANCE_MIN));
        return new Notification.Builder(this, SERVICE_CHANNEL)
                .setSmallIcon(R.drawable.ic_launcher)
                .setContentTitle(getString(R.string.app_name))
                .setContentText(Agent.get(this).hub())
                .setOngoing(true)
                .build();
    }
}
