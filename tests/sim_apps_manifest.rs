//! The companion apps' manifests resolve every route `docs/device-side.md`
//! names, and nothing else.

use pushlab::android::{ComponentName, Intent};
use pushlab::sim::apps::{
    agent_manifest, demo_manifest, ACTION_COMMAND, ACTION_REGISTER, AGENT_COMMAND_RECEIVER,
    AGENT_REGISTER_RECEIVER, DEMO_CHAT_ACTIVITY, DEMO_PACKAGE, DEMO_PUSH_RECEIVER,
    DEMO_SPLASH_ACTIVITY,
};

fn activity_for(intent: &Intent) -> Option<String> {
    demo_manifest()
        .resolve_activity(intent)
        .map(|d| d.component.class.clone())
}

#[test]
fn the_chat_page_is_reachable_by_class_intent_uri_and_action() {
    let by_class =
        Intent::default().with_component(ComponentName::new(DEMO_PACKAGE, ".chat.ChatActivity"));
    assert_eq!(activity_for(&by_class).as_deref(), Some(DEMO_CHAT_ACTIVITY));

    let by_uri = Intent::parse_uri(
        "intent://com.pushlab.demo/detail?room=42#Intent;scheme=pushscheme;launchFlags=0x4000000;end",
    )
    .unwrap();
    assert_eq!(activity_for(&by_uri).as_deref(), Some(DEMO_CHAT_ACTIVITY));

    let by_action = Intent::new("com.pushlab.demo.OPEN_CHAT");
    assert_eq!(
        activity_for(&by_action).as_deref(),
        Some(DEMO_CHAT_ACTIVITY)
    );

    // VIEW with no data: the chat's VIEW + DEFAULT filter without data.
    let by_view = Intent::new("android.intent.action.VIEW");
    assert_eq!(activity_for(&by_view).as_deref(), Some(DEMO_CHAT_ACTIVITY));
}

#[test]
fn the_launcher_is_the_splash_activity() {
    let launch = Intent::launch(ComponentName::new(DEMO_PACKAGE, ".SplashActivity"));
    assert_eq!(activity_for(&launch).as_deref(), Some(DEMO_SPLASH_ACTIVITY));
}

#[test]
fn other_pages_actions_and_schemes_resolve_to_nothing() {
    for intent in [
        Intent::default().with_component(ComponentName::new(DEMO_PACKAGE, ".Nowhere")),
        Intent::new("com.pushlab.demo.OPEN_NOTHING"),
        Intent::view("otherscheme://com.pushlab.demo/detail"),
        Intent::view("pushscheme://com.pushlab.demo/elsewhere"),
        Intent::view("pushscheme://another.host/detail"),
        Intent::default(),
    ] {
        assert_eq!(activity_for(&intent), None, "{intent:?}");
    }
}

#[test]
fn every_vendor_callback_reaches_the_push_receiver() {
    let m = demo_manifest();
    for action in [
        "com.xiaomi.mipush.RECEIVE_MESSAGE",
        "com.vivo.pushclient.action.RECEIVE",
        "com.meizu.flyme.push.intent.MESSAGE",
        "com.huawei.push.action.MESSAGING_EVENT",
        "com.google.android.c2dm.intent.RECEIVE",
        "com.pushlab.agent.TOKEN",
    ] {
        let got: Vec<String> = m
            .resolve_receivers(&Intent::new(action))
            .iter()
            .map(|d| d.component.class.clone())
            .collect();
        assert_eq!(got, [DEMO_PUSH_RECEIVER], "{action}");
    }
    assert!(m
        .resolve_receivers(&Intent::new("com.example.OTHER"))
        .is_empty());
}

#[test]
fn the_agent_takes_token_requests_and_commands() {
    let m = agent_manifest();
    let class = |action: &str| {
        m.resolve_receivers(&Intent::new(action))
            .iter()
            .map(|d| d.component.class.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(class(ACTION_REGISTER), [AGENT_REGISTER_RECEIVER]);
    assert_eq!(class(ACTION_COMMAND), [AGENT_COMMAND_RECEIVER]);
    assert!(m
        .services
        .iter()
        .all(|s| s.exported || !s.filters.is_empty()));
}
