package com.pushlab.demo.chat;

import android.app.Activity;
import android.content.Intent;
import android.os.Bundle;
import android.widget.TextView;

import com.pushlab.demo.DemoAccess;

/**
 * The in-app page a notification opens: by class name, by
 * {@code pushscheme://com.pushlab.demo/detail} or by action
 * {@code com.pushlab.demo.OPEN_CHAT}. Reports that it started and any ext.
 */
public class ChatActivity extends Activity {
    @Override
    protected void onCreate(Bundle savedInstanceState) {
        super.onCreate(savedInstanceState);
        handle(getIntent());
    }

    @Override
    protected void onNewIntent(Intent intent) {
        super.onNewIntent(intent);
        setIntent(intent);
        handle(intent);
    }

    private void handle(Intent intent) {
        DemoAccess.reportActivity(this, getPackageName() + "/" + getClass().getName(), intent.getExtras());
        TextView v = new TextView(this);
        v.setPadding(32, 32, 32, 32);
        v.setText("chat\n" + (intent.getData() == null ? "" : intent.getData().toString()));
        setContentView(v);
    }
}
