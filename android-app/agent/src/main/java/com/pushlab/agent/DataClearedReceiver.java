package com.pushlab.agent;

import android.content.BroadcastReceiver;
import android.content.Context;
import android.content.Intent;
import android.net.Uri;

/**
 * {@code PACKAGE_DATA_CLEARED} (an app's data wiped with {@code pm clear}):
 * the agent forgets the Huawei badge number it kept for that app, so the
 * next {@code add_num} counts from zero, as after a fresh install. The
 * broadcast is exempt from Android 8's limit on manifest receivers of
 * implicit broadcasts.
 */
public class DataClearedReceiver extends BroadcastReceiver {
    @Override
    public void onReceive(Context context, Intent intent) {
        Uri data = intent.getData();
        String pkg = data == null ? null : data.getSchemeSpecificPart();
        if (pkg == null) {
            return;
        }
        Executor.forgetBadge(context.getApplicationContext(), pkg);
    }
}
