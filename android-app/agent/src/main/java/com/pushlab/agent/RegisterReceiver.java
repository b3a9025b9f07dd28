package com.pushlab.agent;

import android.content.BroadcastReceiver;
import android.content.Context;
import android.content.Intent;
import android.util.Log;

import com.pushlab.core.GatewayClient;
import com.pushlab.core.RegisterRequest;
import com.pushlab.core.RegisterResult;
import com.pushlab.core.Vendor;

/**
 * A push SDK asks for a token (action {@code com.pushlab.agent.REGISTER},
 * extras {@code vendor}, {@code package}). The agent registers with the hub
 * and answers with {@code com.pushlab.agent.TOKEN} to the app's
 * {@code .PushReceiver}: {@code vendor} and {@code token}, or
 * {@code error_code}, {@code error_message} and {@code diagnosis}.
 */
public class RegisterReceiver extends BroadcastReceiver {
    static final String ACTION_TOKEN = "com.pushlab.agent.TOKEN";

    @Override
    public void onReceive(Context context, Intent intent) {
        final Context app = context.getApplicationContext();
        final String vendor = intent.getStringExtra("vendor");
        final String pkg = intent.getStringExtra("package");
        if (vendor == null || pkg == null) {
            Log.w(Agent.TAG, "REGISTER needs extras vendor and package");
            return;
        }
        final PendingResult pending = goAsync();
        new Thread(new Runnable() {
            @Override
            public void run() {
                try {
                    reply(app, pkg, vendor, register(app, vendor, pkg));
                } finally {
                    pending.finish();
                }
            }
        }, "pushlab-register").start();
    }

    private static RegisterResult register(Context app, String vendor, String pkg) {
        Agent agent = Agent.get(app);
        if (agent.hub().isEmpty() || agent.device().isEmpty()) {
            return RegisterResult.error(vendor, "service_not_started",
                    "the push service has no hub; start AgentService with --es hub and --es device", "");
        }
        try {
            RegisterRequest req = new RegisterRequest(agent.device(), Vendor.parse(vendor), pkg,
                    AndroidFacts.deviceInfo(app));
            return new GatewayClient(agent.hub()).register(req);
        } catch (Exception e) {
            Log.w(Agent.TAG, "register failed", e);
            return RegisterResult.error(vendor, "service_unavailable", String.valueOf(e.getMessage()), "");
        }
    }

    private static void reply(Context app, String pkg, String vendor, RegisterResult r) {
        Intent i = new Intent(ACTION_TOKEN).setClassName(pkg, pkg + ".PushReceiver")
                .putExtra("vendor", vendor);
        if (r.isOk()) {
            i.putExtra("token", r.token);
        } else {
            i.putExtra("error_code", r.errorCode);
            i.putExtra("error_message", r.errorMessage);
            i.putExtra("diagnosis", r.diagnosis);
        }
        app.sendBroadcast(i);
    }
}
