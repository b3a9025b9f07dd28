//! How a launcher intent (a notification's "open app" tap) meets the demo
//! app's existing task, as ActivityStarter decides it: the singleTop splash
//! on top gets the new intent through onNewIntent unless the task was
//! started by the very same intent and the activity does not take new
//! intents, in which case the task is only brought to front.

use pushlab::android::{ComponentName, Intent};
use pushlab::sim::framework::{AndroidModel, Caller, LaunchState, StartWarning};
use pushlab::sim::profile::Profile;

const SPLASH: &str = "com.pushlab.demo.SplashActivity";

fn model() -> std::sync::Arc<AndroidModel> {
    AndroidModel::new(Profile::parse("miui-android13").expect("profile"))
}

fn splash() -> ComponentName {
    ComponentName::new("com.pushlab.demo", SPLASH)
}

#[test]
fn a_tap_reaches_the_splash_the_runner_started_through_on_new_intent() {
    let m = model();
    // `am start -W -n com.pushlab.demo/.SplashActivity --es pushlab.command login ...`
    let command = Intent::default()
        .with_component(splash())
        .with_extra("pushlab.command", "login");
    m.start_activity(&Caller::Shell, &command)
        .expect("splash starts");
    m.go_home();
    // The push service opens the launch intent with the message id.
    let tap = Intent::launch(splash()).with_extra("pushlab.message_id", "m1");
    let start = m
        .start_activity(&Caller::Package("com.pushlab.agent".into()), &tap)
        .expect("tap opens the app");
    assert_eq!(start.component, splash());
    assert_eq!(start.warning, Some(StartWarning::DeliveredToTop));
    assert_eq!(start.launch_state, LaunchState::Hot);
    let (resumed, intent) = m.resumed_activity().expect("a resumed activity");
    assert_eq!(resumed, splash());
    assert_eq!(
        intent
            .extras
            .get("pushlab.message_id")
            .and_then(|v| v.as_str()),
        Some("m1")
    );
}

#[test]
fn the_launcher_icon_twice_creates_no_second_splash() {
    let m = model();
    let launcher = Caller::Package("com.miui.home".into());
    m.start_activity(&launcher, &Intent::launch(splash()))
        .expect("first launch");
    m.go_home();
    let again = m
        .start_activity(&launcher, &Intent::launch(splash()))
        .expect("second launch");
    // singleTop: the existing instance takes the intent (onNewIntent).
    assert!(again.warning.is_some(), "{again:?}");
    let task = m
        .snapshot()
        .tasks
        .into_iter()
        .find(|t| t.affinity == "com.pushlab.demo")
        .expect("the demo's task");
    assert_eq!(task.activities.len(), 1);
}
