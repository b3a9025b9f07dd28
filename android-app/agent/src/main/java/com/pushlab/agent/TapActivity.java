package com.pushlab.agent;

import android.app.Activity;
import android.app.NotificationManager;
import android.content.ActivityNotFoundException;
import android.content.Intent;
import android.content.pm.ResolveInfo;
import android.os.Build;
import android.os.Bundle;
import android.util.Log;

import com.pushlab.core.DeviceEvent;
import com.pushlab.core.DisplayInstruction;
import com.pushlab.core.DisplayPlan;
import com.pushlab.core.Json;
import com.pushlab.core.JsonException;

import java.net.URISyntaxException;

/**
 * Where a notification's tap lands: reports {@code clicked}, sends the
 * vendor's click callbacks, opens the route and reports how that went, then
 * finishes without showing anything. An activity (not a receiver) so that
 * Android 12+ lets it start the target activity.
 */
public class TapActivity extends Activity {
    @Override
    protected void onCreate(Bundle savedInstanceState) {
        super.onCreate(savedInstanceState);
        try {
            handle(getIntent());
        } finally {
            finish();
        }
    }

    private void handle(Intent intent) {
        Agent agent = Agent.get(this);
        String device = agent.device();
        String json = intent.getStringExtra(Executor.EXTRA_INSTRUCTION);
        DisplayInstruction d;
        try {
            d = DisplayInstruction.fromJson(Json.parseObject(json));
        } catch (JsonException e) {
            Log.w(Agent.TAG, "tap without a readable instruction: " + e.getMessage());
            return;
        }
        agent.report(DeviceEvent.clicked(d.messageId, device));
        boolean drops = AndroidFacts.dropsHuaweiPassthrough();
        DisplayPlan plan = DisplayPlan.plan(d, Build.VERSION.SDK_INT, drops);
        // A tap through a host command does not auto-cancel: remove it here.
        getSystemService(NotificationManager.class).cancel(plan.targetPackage, plan.notifyId);
        for (DisplayPlan.Callback cb : plan.clicked) {
            Intents.sendCallback(this, cb);
        }
        DisplayPlan.Tap tap = plan.tap;
        if (tap.lostCode != null) {
            // The ROM knows it drops the pass-through data: say so before
            // the app opens without it.
            String detail = "this device does not hand notification data to the app; lost extras: "
                    + android.text.TextUtils.join(", ", tap.lostKeys);
            Log.w(Agent.TAG, d.messageId + ": " + detail);
            agent.report(DeviceEvent.extDropped(d.messageId, device, tap.lostCode, detail));
        }
        if (tap.invalidCode != null) {
            agent.report(DeviceEvent.clickFailed(d.messageId, device, tap.invalidCode, tap.invalidDetail));
            return;
        }
        Intent target;
        try {
            target = Intents.tapIntent(this, tap);
        } catch (URISyntaxException e) {
            agent.report(DeviceEvent.clickFailed(d.messageId, device, "device.activity_not_found",
                    "Intent.parseUri failed: " + e.getMessage()));
            return;
        }
        if (target == null) {
            agent.report(DeviceEvent.clickFailed(d.messageId, device, "device.activity_not_found",
                    "no launcher activity in " + tap.targetPackage));
            return;
        }
        String browser = null;
        if (tap.url != null) {
            ResolveInfo ri = getPackageManager().resolveActivity(target, 0);
            if (ri == null || ri.activityInfo == null) {
                agent.report(DeviceEvent.clickFailed(d.messageId, device, "device.url_invalid",
                        "no browser resolves " + tap.url));
                return;
            }
            browser = ri.activityInfo.packageName;
        }
        try {
            startActivity(target);
        } catch (ActivityNotFoundException e) {
            agent.report(DeviceEvent.clickFailed(d.messageId, device, "device.activity_not_found",
                    "Unable to resolve Intent: " + e.getMessage()));
            return;
        } catch (SecurityException e) {
            agent.report(DeviceEvent.clickFailed(d.messageId, device, "device.activity_not_exported",
                    "Permission Denial: " + e.getMessage()));
            return;
        }
        if (browser != null) {
            agent.report(DeviceEvent.urlOpened(d.messageId, device, tap.url, browser));
        }
    }
}
