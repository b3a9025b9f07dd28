package com.pushlab.agent;

import android.app.Notification;
import android.app.NotificationChannel;
import android.app.NotificationManager;
import android.app.PendingIntent;
import android.content.Context;
import android.content.Intent;
import android.content.pm.ApplicationInfo;
import android.content.pm.PackageManager;
import android.os.Build;
import android.os.Bundle;
import android.service.notification.StatusBarNotification;
import android.util.Log;

import com.pushlab.core.DeviceEvent;
import com.pushlab.core.DisplayInstruction;
import com.pushlab.core.DisplayPlan;
import com.pushlab.core.Json;
import com.pushlab.core.Vendor;

/**
 * Carries out DisplayInstructions with Android's APIs, following the plan
 * the core makes.
 *
 * <p>An app cannot post a notification as another package, so on a phone the
 * agent posts under its own package, on a channel whose id is the target's
 * channel id, and records the target package in the notification's extras
 * ({@code pushlab.target_package}). The tap goes through {@link TapActivity},
 * which reports the click and opens the target.
 */
final class Executor {
    static final String EXTRA_INSTRUCTION = "pushlab.instruction";

    private final Agent agent;
    private final Context ctx;

    Executor(Agent agent) {
        this.agent = agent;
        this.ctx = agent.context();
    }

    void display(DisplayInstruction d) {
        String device = agent.device();
        agent.report(DeviceEvent.received(d.messageId, device));
        boolean drops = AndroidFacts.dropsHuaweiPassthrough();
        DisplayPlan plan = DisplayPlan.plan(d, Build.VERSION.SDK_INT, drops);
        for (DisplayPlan.Callback cb : plan.arrived) {
            Intents.sendCallback(ctx, cb);
        }
        switch (plan.disposition) {
            case DROP:
                Log.w(Agent.TAG, plan.dropDetail);
                agent.report(DeviceEvent.dropped(d.messageId, device, plan.dropCode, plan.dropDetail));
                return;
            case APP_SDK:
                if (isStopped(plan.targetPackage)) {
                    agent.report(DeviceEvent.dropped(d.messageId, device, "device.app_stopped",
                            plan.targetPackage + " is stopped; its SDK gets no broadcast"));
                }
                return;
            default:
                post(d, plan, device);
        }
    }

    private void post(DisplayInstruction d, DisplayPlan plan, String device) {
        NotificationManager nm = ctx.getSystemService(NotificationManager.class);
        if (!nm.areNotificationsEnabled()) {
            agent.report(DeviceEvent.dropped(d.messageId, device, "device.notifications_disabled",
                    "notifications are disabled for " + ctx.getPackageName()));
            return;
        }
        if (nm.getNotificationChannel(plan.channelId) == null) {
            nm.createNotificationChannel(new NotificationChannel(plan.channelId,
                    plan.channelId + " (" + plan.targetPackage + ")", NotificationManager.IMPORTANCE_DEFAULT));
        }
        Intent tap = new Intent(ctx, TapActivity.class)
                .putExtra(DisplayPlan.EXTRA_MESSAGE_ID, d.messageId)
                .putExtra(EXTRA_INSTRUCTION, Json.write(d.toJson()))
                .addFlags(Intent.FLAG_ACTIVITY_NEW_TASK);
        PendingIntent content = PendingIntent.getActivity(ctx, plan.notifyId, tap,
                PendingIntent.FLAG_IMMUTABLE | PendingIntent.FLAG_UPDATE_CURRENT);
        Bundle extras = new Bundle();
        extras.putString(DisplayPlan.EXTRA_MESSAGE_ID, d.messageId);
        extras.putString(DisplayPlan.EXTRA_TARGET_PACKAGE, plan.targetPackage);
        Notification n = new Notification.Builder(ctx, plan.channelId)
                .setSmallIcon(R.drawable.ic_launcher)
                .setContentTitle(plan.title)
                .setContentText(plan.text)
                .setContentIntent(content)
                .setAutoCancel(true)
                .addExtras(extras)
                .build();
        // The badge goes up with the notification, reported before the post
        // so that whoever sees `posted` sees the badge too.
        setBadge(d, device);
        nm.notify(plan.targetPackage, plan.notifyId, n);
        if (!ListenerService.isConnected()) {
            // Without the listener nobody else sees the post: report it here.
            agent.report(DeviceEvent.posted(d.messageId, device, plan.title, plan.text, plan.channelId, null));
        }
    }

    /**
     * HMS Core's badge, as EMUI does it: for a Huawei message with a badge
     * class, the new number (set_num, else the last number plus add_num)
     * goes to the Huawei launcher's badge provider ({@code change_badge}
     * with package, class and badgenumber). On a phone without that
     * launcher the call fails and nothing is reported.
     */
    private void setBadge(DisplayInstruction d, String device) {
        String cls = d.notification.badgeClass;
        if (d.vendor != Vendor.HUAWEI || cls == null || cls.isEmpty()) {
            return;
        }
        String key = BADGE_KEY_PREFIX + d.packageName;
        android.content.SharedPreferences prefs = ctx.getSharedPreferences(BADGE_PREFS, Context.MODE_PRIVATE);
        int number = d.notification.nextBadgeNumber(prefs.getInt(key, 0));
        Bundle args = new Bundle();
        args.putString("package", d.packageName);
        args.putString("class", cls);
        args.putInt("badgenumber", number);
        try {
            ctx.getContentResolver().call(android.net.Uri.parse(BADGE_URI), "change_badge", null, args);
        } catch (RuntimeException e) {
            Log.w(Agent.TAG, "no launcher badge for " + d.packageName + "/" + cls + ": " + e);
            return;
        }
        prefs.edit().putInt(key, number).apply();
        agent.report(DeviceEvent.badgeSet(d.messageId, device, cls, number));
    }

    /** Forgets the badge number kept for {@code pkg} (its data was cleared). */
    static void forgetBadge(Context ctx, String pkg) {
        ctx.getSharedPreferences(BADGE_PREFS, Context.MODE_PRIVATE).edit().remove(BADGE_KEY_PREFIX + pkg).apply();
    }

    private static final String BADGE_PREFS = "badges";
    private static final String BADGE_KEY_PREFIX = "badge.";

    /** The Huawei launcher's badge provider. */
    static final String BADGE_URI = "content://com.huawei.android.launcher.settings/badge/";

    private boolean isStopped(String pkg) {
        try {
            ApplicationInfo ai = ctx.getPackageManager().getApplicationInfo(pkg, 0);
            return (ai.flags & ApplicationInfo.FLAG_STOPPED) != 0;
        } catch (PackageManager.NameNotFoundException e) {
            return true;
        }
    }

    /** Fires the tap of the notification of a message, as if the user tapped it. */
    void tap(String messageId) {
        StatusBarNotification sbn = find(messageId);
        if (sbn == null || sbn.getNotification().contentIntent == null) {
            agent.report(DeviceEvent.clickFailed(messageId, agent.device(), "device.activity_not_found",
                    "no notification for message " + messageId));
            return;
        }
        boolean own = sbn.getPackageName().equals(ctx.getPackageName());
        try {
            if (!own) {
                // An app's own notification (FCM): its tap goes straight to the
                // app, so the click is reported here, and the shade tidied as
                // auto-cancel would.
                agent.report(DeviceEvent.clicked(messageId, agent.device()));
            }
            sbn.getNotification().contentIntent.send();
            if (!own) {
                ListenerService.cancelOthers(sbn.getKey());
            }
        } catch (PendingIntent.CanceledException e) {
            agent.report(DeviceEvent.clickFailed(messageId, agent.device(), "device.activity_not_found",
                    "the tap's PendingIntent was cancelled"));
        }
    }

    /** Removes the notification of a message (all of them when null). */
    void clear(String messageId) {
        NotificationManager nm = ctx.getSystemService(NotificationManager.class);
        if (messageId == null) {
            for (StatusBarNotification sbn : nm.getActiveNotifications()) {
                if (messageIdOf(sbn) != null) {
                    nm.cancel(sbn.getTag(), sbn.getId());
                }
            }
            ListenerService.cancelOthers(null);
            return;
        }
        StatusBarNotification sbn = find(messageId);
        if (sbn != null && sbn.getPackageName().equals(ctx.getPackageName())) {
            nm.cancel(sbn.getTag(), sbn.getId());
        } else if (sbn != null) {
            ListenerService.cancelOthers(sbn.getKey());
        }
    }

    /** The notification carrying this message id: the agent's own, or (via the listener) an app's. */
    private StatusBarNotification find(String messageId) {
        NotificationManager nm = ctx.getSystemService(NotificationManager.class);
        for (StatusBarNotification sbn : nm.getActiveNotifications()) {
            if (messageId.equals(messageIdOf(sbn))) {
                return sbn;
            }
        }
        return ListenerService.findActive(messageId);
    }

    static String messageIdOf(StatusBarNotification sbn) {
        Bundle b = sbn.getNotification().extras;
        return b == null ? null : b.getString(DisplayPlan.EXTRA_MESSAGE_ID);
    }
}
