package com.pushlab.agent;

import android.content.BroadcastReceiver;
import android.content.Context;
import android.content.Intent;
import android.util.Log;

/**
 * Host commands ({@code am broadcast -n com.pushlab.agent/.CommandReceiver
 * -a com.pushlab.agent.COMMAND --es command tap|clear --es message_id ID}).
 */
public class CommandReceiver extends BroadcastReceiver {
    @Override
    public void onReceive(Context context, Intent intent) {
        String command = intent.getStringExtra("command");
        String id = intent.getStringExtra("message_id");
        Executor executor = new Executor(Agent.get(context));
        if ("tap".equals(command) && id != null) {
            executor.tap(id);
        } else if ("clear".equals(command)) {
            executor.clear(id);
        } else {
            Log.w(Agent.TAG, "unknown command: " + command + " (tap needs message_id)");
        }
    }
}
