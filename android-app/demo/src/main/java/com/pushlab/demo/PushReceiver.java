package com.pushlab.demo;

import android.app.Notification;
import android.app.NotificationManager;
import android.app.PendingIntent;
import android.content.BroadcastReceiver;
import android.content.Context;
import android.content.Intent;
import android.os.Bundle;
import android.util.Log;

import com.pushlab.core.DeviceEvent;
import com.pushlab.core.DisplayPlan;
import com.pushlab.core.ExtExtractor;
import com.pushlab.core.ImClient;
import com.pushlab.core.SdkCallbacks;

import java.util.Map;

/**
 * The push SDKs' receiver: vendor callback broadcasts (reported as
 * {@code callback_received} with the SDK callback they dispatch to, plus the
 * ext found), the agent's
 * {@code com.pushlab.agent.TOKEN} answer (reported to the IM server), and
 * FCM's data broadcast, after which the app posts the notification itself
 * as the FCM SDK does.
 */
public class PushReceiver extends BroadcastReceiver {
    static final String ACTION_TOKEN = "com.pushlab.agent.TOKEN";
    static final String ACTION_FCM = "com.google.android.c2dm.intent.RECEIVE";

    @Override
    public void onReceive(Context context, Intent intent) {
        String action = intent.getAction();
        Demo demo = Demo.get(context);
        if (ACTION_TOKEN.equals(action)) {
            onToken(context, demo, intent);
            return;
        }
        Map<String, Object> extras = Demo.toMap(intent.getExtras());
        Object id = extras.get(DisplayPlan.EXTRA_MESSAGE_ID);
        String messageId = id instanceof String ? (String) id : null;
        demo.report(DeviceEvent.callbackReceived(messageId, demo.device(), action,
                SdkCallbacks.dispatched(action, extras)));
        for (DeviceEvent e : demo.extEvents(messageId, ExtExtractor.fromCallback(action, extras))) {
            demo.report(e);
        }
        if (ACTION_FCM.equals(action) && intent.hasExtra(DisplayPlan.FCM_TITLE)) {
            postFcm(context, demo, intent, messageId);
        }
    }

    private void onToken(Context context, final Demo demo, Intent intent) {
        final String vendor = intent.getStringExtra("vendor");
        final String token = intent.getStringExtra("token");
        if (token == null) {
            Log.w(Demo.TAG, "registration refused for " + vendor + ": " + intent.getStringExtra("error_code")
                    + " " + intent.getStringExtra("error_message") + " (" + intent.getStringExtra("diagnosis") + ")");
            answered(demo);
            return;
        }
        final String cert = demo.prefs().getString("certificate." + vendor, null);
        final String session = demo.session();
        if (cert == null || session.isEmpty()) {
            Log.w(Demo.TAG, "token for " + vendor + " not reported: not logged in (report after login)");
            answered(demo);
            return;
        }
        final PendingResult pending = goAsync();
        new Thread(new Runnable() {
            @Override
            public void run() {
                try {
                    new ImClient(demo.hub()).reportToken(session, Long.parseLong(cert.trim()), token);
                    Log.i(Demo.TAG, "reported " + vendor + " token for certificate " + cert);
                } catch (Exception e) {
                    Log.w(Demo.TAG, "token report failed", e);
                } finally {
                    answered(demo);
                    pending.finish();
                }
            }
        }, "pushlab-token").start();
    }

    /**
     * Tells the hub the registration answer was handled (the SDK's
     * registration callback ran), so the host's next step cannot race it.
     */
    private static void answered(Demo demo) {
        demo.report(DeviceEvent.callbackReceived(null, demo.device(), ACTION_TOKEN));
    }

    /** FCM notification messages: the SDK in the app posts them. */
    private void postFcm(Context context, Demo demo, Intent intent, String messageId) {
        String channel = intent.getStringExtra(DisplayPlan.FCM_CHANNEL);
        if (channel == null) {
            channel = demo.channelId();
        }
        String clickAction = intent.getStringExtra(DisplayPlan.FCM_CLICK_ACTION);
        Intent open = clickAction != null
                ? new Intent(clickAction).setPackage(context.getPackageName())
                : context.getPackageManager().getLaunchIntentForPackage(context.getPackageName());
        if (open == null) {
            return;
        }
        Bundle data = new Bundle(intent.getExtras());
        open.putExtras(data);
        open.addFlags(Intent.FLAG_ACTIVITY_NEW_TASK);
        int notifyId = messageId == null ? 0 : DisplayPlan.stableId(messageId);
        PendingIntent pi = PendingIntent.getActivity(context, notifyId, open,
                PendingIntent.FLAG_IMMUTABLE | PendingIntent.FLAG_UPDATE_CURRENT);
        Bundle extras = new Bundle();
        if (messageId != null) {
            extras.putString(DisplayPlan.EXTRA_MESSAGE_ID, messageId);
        }
        Notification n = new Notification.Builder(context, channel)
                .setSmallIcon(R.drawable.ic_launcher)
                .setContentTitle(intent.getStringExtra(DisplayPlan.FCM_TITLE))
                .setContentText(intent.getStringExtra(DisplayPlan.FCM_BODY))
                .setContentIntent(pi)
                .setAutoCancel(true)
                .addExtras(extras)
                .build();
        context.getSystemService(NotificationManager.class).notify(notifyId, n);
    }
}
