package com.pushlab.agent;

import android.content.Context;
import android.content.Intent;
import android.net.Uri;

import com.pushlab.core.DisplayPlan;
import com.pushlab.core.Extra;

import java.net.URISyntaxException;

/** Turns the core's tap and callback plans into Intents. */
final class Intents {
    private Intents() {
    }

    /** The intent a tap opens. */
    static Intent tapIntent(Context ctx, DisplayPlan.Tap t) throws URISyntaxException {
        Intent i;
        switch (t.kind) {
            case LAUNCHER:
                i = ctx.getPackageManager().getLaunchIntentForPackage(t.targetPackage);
                if (i == null) {
                    return null;
                }
                break;
            case INTENT_URI:
                i = Intent.parseUri(t.uri, Intent.URI_INTENT_SCHEME);
                break;
            case COMPONENT:
                i = new Intent().setClassName(t.componentPackage, t.componentClass);
                break;
            case ACTION:
                i = new Intent(t.action).setPackage(t.targetPackage);
                break;
            case URL:
                i = new Intent(Intent.ACTION_VIEW, Uri.parse(t.url)).addCategory(Intent.CATEGORY_BROWSABLE);
                break;
            default:
                return null;
        }
        putExtras(i, t.extras);
        i.addFlags(Intent.FLAG_ACTIVITY_NEW_TASK);
        return i;
    }

    /** Sends a vendor callback broadcast. */
    static void sendCallback(Context ctx, DisplayPlan.Callback cb) {
        Intent i = new Intent(cb.action);
        if (cb.componentPackage != null) {
            i.setClassName(cb.componentPackage, cb.componentClass);
        } else {
            i.setPackage(cb.targetPackage);
        }
        putExtras(i, cb.extras);
        if (cb.includeStoppedPackages) {
            i.addFlags(Intent.FLAG_INCLUDE_STOPPED_PACKAGES);
        }
        ctx.sendBroadcast(i);
    }

    static void putExtras(Intent i, Iterable<Extra> extras) {
        for (Extra e : extras) {
            switch (e.type) {
                case STRING:
                    i.putExtra(e.key, (String) e.value);
                    break;
                case BOOLEAN:
                    i.putExtra(e.key, (Boolean) e.value);
                    break;
                case BYTE:
                    i.putExtra(e.key, (Byte) e.value);
                    break;
                case CHAR:
                    i.putExtra(e.key, (Character) e.value);
                    break;
                case DOUBLE:
                    i.putExtra(e.key, (Double) e.value);
                    break;
                case FLOAT:
                    i.putExtra(e.key, (Float) e.value);
                    break;
                case INT:
                    i.putExtra(e.key, (Integer) e.value);
                    break;
                case LONG:
                    i.putExtra(e.key, (Long) e.value);
                    break;
                case SHORT:
                    i.putExtra(e.key, (Short) e.value);
                    break;
                default:
                    break;
            }
        }
    }
}
