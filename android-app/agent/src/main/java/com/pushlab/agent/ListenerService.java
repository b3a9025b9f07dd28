package com.pushlab.agent;

import android.app.Notification;
import android.os.Bundle;
import android.service.notification.NotificationListenerService;
import android.service.notification.StatusBarNotification;

import com.pushlab.core.DeviceEvent;
import com.pushlab.core.RemovalReason;

/**
 * Reports {@code posted} and {@code removed} for every notification that
 * carries a {@code pushlab.message_id} (the agent's own, and those an app's
 * SDK posts). Enable it with {@code cmd notification allow_listener
 * com.pushlab.agent/com.pushlab.agent.ListenerService}.
 */
public class ListenerService extends NotificationListenerService {
    private static volatile ListenerService connected;

    static boolean isConnected() {
        return connected != null;
    }

    @Override
    public void onListenerConnected() {
        connected = this;
    }

    @Override
    public void onListenerDisconnected() {
        connected = null;
    }

    @Override
    public void onDestroy() {
        connected = null;
        super.onDestroy();
    }

    @Override
    public void onNotificationPosted(StatusBarNotification sbn) {
        String id = Executor.messageIdOf(sbn);
        if (id == null) {
            return;
        }
        Notification n = sbn.getNotification();
        Bundle x = n.extras;
        CharSequence title = x.getCharSequence(Notification.EXTRA_TITLE);
        CharSequence text = x.getCharSequence(Notification.EXTRA_TEXT);
        Agent agent = Agent.get(this);
        agent.report(DeviceEvent.posted(id, agent.device(), title == null ? "" : title.toString(),
                text == null ? "" : text.toString(), n.getChannelId(), sbn.getKey()));
    }

    @Override
    public void onNotificationRemoved(StatusBarNotification sbn, RankingMap rankingMap, int reason) {
        String id = Executor.messageIdOf(sbn);
        if (id == null) {
            return;
        }
        Agent agent = Agent.get(this);
        agent.report(DeviceEvent.removed(id, agent.device(), RemovalReason.name(reason)));
    }

    /** An app's active notification carrying this message id, when the listener is bound. */
    static StatusBarNotification findActive(String messageId) {
        ListenerService l = connected;
        if (l == null) {
            return null;
        }
        StatusBarNotification[] all = l.getActiveNotifications();
        if (all == null) {
            return null;
        }
        for (StatusBarNotification sbn : all) {
            if (messageId.equals(Executor.messageIdOf(sbn))) {
                return sbn;
            }
        }
        return null;
    }

    /** Cancels an app's notification by key (all carrying a message id when null). */
    static void cancelOthers(String key) {
        ListenerService l = connected;
        if (l == null) {
            return;
        }
        if (key != null) {
            l.cancelNotification(key);
            return;
        }
        StatusBarNotification[] all = l.getActiveNotifications();
        if (all == null) {
            return;
        }
        for (StatusBarNotification sbn : all) {
            if (Executor.messageIdOf(sbn) != null) {
                l.cancelNotification(sbn.getKey());
            }
        }
    }
}
