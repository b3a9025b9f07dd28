//! Random sequences of framework operations keep the simulated device's
//! observable state (through `pidof`, `dumpsys activity activities` and
//! `dumpsys notification`, parsed by the driver) equal to a reference
//! model of Android's rules.

use std::collections::BTreeSet;
use std::sync::Arc;

use proptest::prelude::*;
use pushlab::android::{ComponentName, Importance, Intent};
use pushlab::device::{Device, Target};
use pushlab::sim::framework::{AndroidModel, Channel, ContentIntent, NotificationPost};
use pushlab::sim::{Profile, SimDevice};

const DEMO: &str = "com.pushlab.demo";
const AGENT: &str = "com.pushlab.agent";
const LAUNCHER: &str = "com.android.launcher3";

#[derive(Debug, Clone)]
enum Op {
    StartSplash,
    StartChat,
    StartAgentService,
    Home,
    ForceStop(&'static str),
    Kill(&'static str),
    Post(&'static str, i32),
    Cancel(&'static str, i32),
}

fn op() -> impl Strategy<Value = Op> {
    let pkg = prop_oneof![Just(DEMO), Just(AGENT)];
    prop_oneof![
        Just(Op::StartSplash),
        Just(Op::StartChat),
        Just(Op::StartAgentService),
        Just(Op::Home),
        pkg.clone().prop_map(Op::ForceStop),
        pkg.clone().prop_map(Op::Kill),
        (pkg.clone(), 1..4i32).prop_map(|(p, id)| Op::Post(p, id)),
        (pkg, 1..4i32).prop_map(|(p, id)| Op::Cancel(p, id)),
    ]
}

/// Android's rules, kept by hand.
#[derive(Debug, Default)]
struct Reference {
    running: BTreeSet<&'static str>,
    /// Task order, top first ("home" is the launcher's).
    tasks: Vec<&'static str>,
    notifications: BTreeSet<(&'static str, i32)>,
}

impl Reference {
    fn front(&mut self, t: &'static str) {
        self.tasks.retain(|x| *x != t);
        self.tasks.insert(0, t);
    }

    fn apply(&mut self, op: &Op) {
        match op {
            Op::StartSplash | Op::StartChat => {
                self.running.insert(DEMO);
                self.front(DEMO);
            }
            Op::StartAgentService => {
                self.running.insert(AGENT);
            }
            Op::Home => self.front("home"),
            Op::ForceStop(p) => {
                self.running.remove(p);
                self.tasks.retain(|x| x != p);
                self.notifications.retain(|(q, _)| q != p);
            }
            Op::Kill(p) => {
                if self.tasks.first() != Some(p) {
                    self.running.remove(p);
                }
            }
            Op::Post(p, id) => {
                self.notifications.insert((p, *id));
            }
            Op::Cancel(p, id) => {
                self.notifications.remove(&(*p, *id));
            }
        }
    }

    fn resumed_package(&self) -> &'static str {
        match self.tasks.first() {
            None | Some(&"home") => LAUNCHER,
            Some(p) => p,
        }
    }
}

async fn run(device: &Device, model: &Arc<AndroidModel>, op: &Op) {
    let sh = |c: &'static str| async move { device.shell(c).await.expect("shell") };
    match op {
        Op::StartSplash => {
            sh("am start -n com.pushlab.demo/.SplashActivity").await;
        }
        Op::StartChat => {
            sh("am start -W 'intent://com.pushlab.demo/detail#Intent;scheme=pushscheme;S.ext=1;end'").await;
        }
        Op::StartAgentService => {
            sh("am start-foreground-service -n com.pushlab.agent/.AgentService --es hub x").await;
        }
        Op::Home => {
            sh("input keyevent 3").await;
        }
        Op::ForceStop(p) => device.force_stop(p).await.expect("force-stop"),
        Op::Kill(p) => device.kill(p).await.expect("kill"),
        Op::Post(p, id) => {
            let post = NotificationPost {
                id: *id,
                channel_id: Some("im".into()),
                title: format!("t{id}"),
                text: "x".into(),
                content_intent: Some(ContentIntent::Activity(Intent::launch(ComponentName::new(
                    DEMO,
                    "com.pushlab.demo.SplashActivity",
                )))),
                ..Default::default()
            };
            model.post_notification(p, post).expect("channel exists");
        }
        Op::Cancel(p, id) => {
            model.cancel_notification(p, None, *id);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10, ..ProptestConfig::default() })]

    #[test]
    fn observable_state_follows_androids_rules(ops in proptest::collection::vec(op(), 1..10)) {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        rt.block_on(async {
            let sim = SimDevice::spawn(Profile::default(), "127.0.0.1:0".parse().expect("addr"))
                .await
                .expect("spawn");
            let key = tempfile::tempdir().expect("tmp").keep().join("adbkey");
            let device = Device::new(Target::tcp(sim.addr())).with_adb_key(key);
            let model = AndroidModel::of(sim.device()).expect("model");
            for p in [DEMO, AGENT] {
                model.create_channel(p, Channel::new("im", "Messages", Importance::Default));
            }
            let mut reference = Reference::default();
            for op in &ops {
                run(&device, &model, op).await;
                reference.apply(op);
                for p in [DEMO, AGENT] {
                    let running = !device.pidof(p).await.expect("pidof").is_empty();
                    assert_eq!(running, reference.running.contains(p), "{p} running after {op:?} in {ops:?}");
                }
                let resumed = device.resumed_activity().await.expect("activities");
                assert_eq!(
                    resumed.map(|c| c.package).as_deref(),
                    Some(reference.resumed_package()),
                    "resumed after {op:?} in {ops:?}"
                );
                let shown: BTreeSet<(String, i32)> = device
                    .notifications()
                    .await
                    .expect("dumpsys")
                    .into_iter()
                    .map(|r| (r.pkg, r.id))
                    .collect();
                let want: BTreeSet<(String, i32)> = reference
                    .notifications
                    .iter()
                    .map(|(p, id)| (p.to_string(), *id))
                    .collect();
                assert_eq!(shown, want, "notifications after {op:?} in {ops:?}");
            }
        });
    }
}
