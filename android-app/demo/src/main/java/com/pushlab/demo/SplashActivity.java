package com.pushlab.demo;

import android.app.Activity;
import android.content.Intent;
import android.content.SharedPreferences;
import android.os.Bundle;
import android.util.Log;
import android.widget.TextView;

import com.pushlab.core.DisplayPlan;
import com.pushlab.core.ImClient;

/**
 * The launcher activity, which also takes the runner's commands
 * ({@code pushlab.command}: login, report_token, logout, configure).
 */
public class SplashActivity extends Activity {
    static final String AGENT = "com.pushlab.agent";

    private TextView status;

    @Override
    protected void onCreate(Bundle savedInstanceState) {
        super.onCreate(savedInstanceState);
        status = new TextView(this);
        status.setPadding(32, 32, 32, 32);
        setContentView(status);
        handle(getIntent());
    }

    @Override
    protected void onNewIntent(Intent intent) {
        super.onNewIntent(intent);
        setIntent(intent);
        handle(intent);
    }

    private void handle(Intent intent) {
        final Demo demo = Demo.get(this);
        String command = intent.getStringExtra("pushlab.command");
        if (command == null) {
            demo.applyChannel();
            if (intent.hasExtra(DisplayPlan.EXTRA_MESSAGE_ID)) {
                demo.reportActivity(getPackageName() + "/" + getClass().getName(), intent.getExtras());
            }
            show();
            return;
        }
        SharedPreferences.Editor e = demo.prefs().edit();
        if ("login".equals(command)) {
            final String hub = intent.getStringExtra("pushlab.hub");
            final String device = intent.getStringExtra("pushlab.device");
            final String user = intent.getStringExtra("pushlab.user");
            e.putString("hub", hub).putString("device", device).putString("user", user).commit();
            demo.applyChannel();
            new Thread(new Runnable() {
                @Override
                public void run() {
                    try {
                        String session = new ImClient(hub).login(user, device);
                        demo.prefs().edit().putString("session", session).commit();
                        demo.ensureConnection();
                    } catch (Exception ex) {
                        Log.w(Demo.TAG, "login failed", ex);
                    }
                }
            }, "pushlab-login").start();
        } else if ("report_token".equals(command)) {
            String vendor = intent.getStringExtra("pushlab.vendor");
            String cert = intent.getStringExtra("pushlab.certificate_id");
            e.putString("certificate." + vendor, cert).putString("vendor", vendor);
            // The hub and device, as login gives them: an app that has not
            // logged in yet still tells the hub it handled the answer (and
            // skipped the report, as TIM's SDK does before login).
            if (demo.hub().isEmpty() && intent.hasExtra("pushlab.hub")) {
                e.putString("hub", intent.getStringExtra("pushlab.hub"));
            }
            if (demo.device().isEmpty() && intent.hasExtra("pushlab.device")) {
                e.putString("device", intent.getStringExtra("pushlab.device"));
            }
            e.commit();
            Intent reg = new Intent("com.pushlab.agent.REGISTER")
                    .setClassName(AGENT, AGENT + ".RegisterReceiver")
                    .putExtra("vendor", vendor)
                    .putExtra("package", getPackageName())
                    .addFlags(Intent.FLAG_INCLUDE_STOPPED_PACKAGES);
            sendBroadcast(reg);
        } else if ("logout".equals(command)) {
            final String hub = demo.hub();
            final String session = demo.session();
            e.remove("session").commit();
            demo.stopConnection();
            new Thread(new Runnable() {
                @Override
                public void run() {
                    try {
                        new ImClient(hub).logout(session);
                    } catch (Exception ex) {
                        Log.w(Demo.TAG, "logout failed", ex);
                    }
                }
            }, "pushlab-logout").start();
        } else if ("configure".equals(command)) {
            String channel = intent.getStringExtra("pushlab.channel_id");
            if (channel != null) {
                e.putString("channel_id", channel);
            }
            if (intent.hasExtra("pushlab.create_channel")) {
                e.putBoolean("create_channel", intent.getBooleanExtra("pushlab.create_channel", true));
            }
            e.commit();
            demo.applyChannel();
        } else {
            Log.w(Demo.TAG, "unknown command " + command);
        }
        show();
    }

    private void show() {
        Demo demo = Demo.get(this);
        status.setText("pushlab demo\nhub: " + demo.hub() + "\ndevice: " + demo.device() + "\nuser: "
                + demo.prefs().getString("user", "") + "\nlogged in: " + !demo.session().isEmpty()
                + "\nchannel: " + demo.channelId() + (demo.createChannel() ? "" : " (not created)"));
    }
}
