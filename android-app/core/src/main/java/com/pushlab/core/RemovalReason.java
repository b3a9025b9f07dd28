package com.pushlab.core;

/**
 * Names for {@code NotificationListenerService.REASON_*} codes, as the
 * {@code removed} event's reason.
 */
public final class RemovalReason {
    private RemovalReason() {
    }

    public static String name(int reason) {
        switch (reason) {
            case 1:
                return "click";
            case 2:
                return "cancel";
            case 3:
                return "cancel_all";
            case 8:
                return "app_cancel";
            case 9:
                return "app_cancel_all";
            case 10:
                return "listener_cancel";
            case 11:
                return "listener_cancel_all";
            case 13:
                return "package_banned";
            case 17:
                return "channel_banned";
            case 18:
                return "snoozed";
            case 19:
                return "timeout";
            default:
                return "reason_" + reason;
        }
    }
}
