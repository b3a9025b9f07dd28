package com.pushlab.agent;

import android.app.Activity;
import android.os.Bundle;
import android.widget.TextView;

/** Shows where the agent connects and whether its listener is enabled. */
public class StatusActivity extends Activity {
    @Override
    protected void onResume() {
        super.onResume();
        Agent agent = Agent.get(this);
        TextView v = new TextView(this);
        v.setPadding(32, 32, 32, 32);
        v.setText("hub: " + agent.hub() + "\ndevice: " + agent.device() + "\nstream: " + AgentService.state()
                + "\nnotification listener: " + (ListenerService.isConnected() ? "enabled" : "not enabled"));
        setContentView(v);
    }

    @Override
    protected void onCreate(Bundle savedInstanceState) {
        super.onCreate(savedInstanceState);
    }
}
