package com.pushlab.demo;

import android.content.Context;
import android.os.Bundle;

/** What activities in other packages of the app may call. */
public final class DemoAccess {
    private DemoAccess() {
    }

    public static void reportActivity(Context c, String component, Bundle extras) {
        Demo.get(c).reportActivity(component, extras);
    }
}
