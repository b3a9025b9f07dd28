package com.pushlab.demo;

import android.app.Application;

/** Opens the IM online connection whenever the process starts logged in. */
public class DemoApp extends Application {
    @Override
    public void onCreate() {
        super.onCreate();
        Demo.get(this).ensureConnection();
    }
}
