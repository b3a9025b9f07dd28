//! The simulated device's shell: `sh` semantics the driver relies on, and
//! the plug-in registry through which the Android model adds commands that
//! see argv, stdin and the device state.

use std::sync::Arc;

use futures::FutureExt;
use pushlab::sim::shell::{Shell, Stdin};
use pushlab::sim::{CommandOutput, DeviceState, Profile};

fn device() -> Arc<DeviceState> {
    Arc::new(DeviceState::new(Profile::default()))
}

async fn run(dev: &Arc<DeviceState>, line: &str) -> (String, String, u8) {
    let out = Shell::new(dev.clone()).run(line, Stdin::empty()).await;
    (
        String::from_utf8_lossy(&out.stdout()).into_owned(),
        String::from_utf8_lossy(&out.stderr()).into_owned(),
        out.exit,
    )
}

#[tokio::test]
async fn lists_stop_and_continue_on_exit_status() {
    let d = device();
    assert_eq!(run(&d, "false && echo no; echo $?").await.0, "1\n");
    assert_eq!(run(&d, "false || echo yes").await.0, "yes\n");
    assert_eq!(run(&d, "true && echo a || echo b").await.0, "a\n");
    assert_eq!(
        run(&d, "echo one; exit 5; echo never").await,
        ("one\n".into(), String::new(), 5)
    );
    assert_eq!(run(&d, "exit 300").await.2, 44);
}

#[tokio::test]
async fn redirections_reach_files_and_streams() {
    let d = device();
    let (out, err, code) = run(
        &d,
        "echo hello > /sdcard/a.txt; echo more >> /sdcard/a.txt; cat /sdcard/a.txt",
    )
    .await;
    assert_eq!((out.as_str(), err.as_str(), code), ("hello\nmore\n", "", 0));

    let (out, err, _) = run(&d, "cat /nope 2>&1").await;
    assert_eq!(out, "cat: /nope: No such file or directory\n");
    assert_eq!(err, "");

    let (out, err, _) = run(&d, "cat /nope 2>/dev/null; echo done").await;
    assert_eq!((out.as_str(), err.as_str()), ("done\n", ""));

    let (out, err, _) = run(&d, "echo to-err 1>&2").await;
    assert_eq!((out.as_str(), err.as_str()), ("", "to-err\n"));

    let (_, err, code) = run(&d, "echo x > /no/such/dir/f").await;
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "/system/bin/sh: can't create /no/such/dir/f: No such file or directory\n"
    );

    assert_eq!(run(&d, "cat < /sdcard/a.txt").await.0, "hello\nmore\n");
}

#[tokio::test]
async fn pipes_feed_stdout_to_the_next_stdin() {
    let d = device();
    assert_eq!(run(&d, "echo piped | cat").await.0, "piped\n");
}

#[tokio::test]
async fn file_commands_work_over_the_device_tree() {
    let d = device();
    let (_, err, code) = run(
        &d,
        "mkdir -p /sdcard/x/y && echo hi > /sdcard/x/y/f && ls /sdcard/x/y",
    )
    .await;
    assert_eq!((err.as_str(), code), ("", 0));
    assert_eq!(run(&d, "ls /sdcard/x/y").await.0, "f\n");
    assert_eq!(
        run(&d, "rm /sdcard/x").await.1,
        "rm: /sdcard/x: is a directory\n"
    );
    assert_eq!(
        run(&d, "rm -r /sdcard/x; ls /sdcard/x").await.1,
        "ls: /sdcard/x: No such file or directory\n"
    );
    assert_eq!(run(&d, "cd /sdcard && pwd").await.0, "/sdcard\n");
    assert!(run(&d, "id")
        .await
        .0
        .starts_with("uid=2000(shell) gid=2000(shell)"));
}

#[tokio::test]
async fn getprop_lists_every_property_in_brackets() {
    let d = device();
    let (all, _, _) = run(&d, "getprop").await;
    assert!(all.contains("[ro.build.version.sdk]: [33]\n"));
    assert!(all
        .lines()
        .all(|l| l.starts_with('[') && l.contains("]: [") && l.ends_with(']')));
    assert_eq!(run(&d, "getprop no.such.prop").await.0, "\n");
    assert_eq!(run(&d, "setprop debug.x 1; getprop debug.x").await.0, "1\n");
}

#[tokio::test]
async fn unknown_commands_and_syntax_errors_fail_like_mksh() {
    let d = device();
    assert_eq!(
        run(&d, "nosuchcmd arg").await,
        (
            String::new(),
            "/system/bin/sh: nosuchcmd: not found\n".into(),
            127
        )
    );
    let (_, err, code) = run(&d, "echo 'unterminated").await;
    assert_eq!(
        (err.as_str(), code),
        ("/system/bin/sh: no closing quote\n", 1)
    );
}

#[tokio::test]
async fn plugged_in_commands_get_argv_stdin_and_device_state() {
    let d = device();
    d.commands().register_fn("pidof", |mut ctx| {
        async move {
            let stdin = ctx.stdin.read_to_end().await;
            let model = ctx.device.getprop("ro.product.model").unwrap_or_default();
            match ctx.argv.get(1).map(String::as_str) {
                Some("com.example.app") => {
                    CommandOutput::ok(format!("4242 ({model}, stdin {} bytes)\n", stdin.len()))
                }
                _ => CommandOutput::code(1),
            }
        }
        .boxed()
    });
    assert_eq!(
        run(&d, "echo abc | pidof com.example.app").await.0,
        "4242 (Pixel 7, stdin 4 bytes)\n"
    );
    assert_eq!(run(&d, "pidof other || echo none").await.0, "none\n");
    // Full paths to system binaries resolve to the registered command.
    assert_eq!(run(&d, "/system/bin/pidof other; echo $?").await.0, "1\n");
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

        /// Any bytes a host sends as a command line (decoded the way the
        /// services decode them) run to an exit status without a panic.
        #[test]
        fn running_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..120)) {
            let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
            let line = String::from_utf8_lossy(&bytes).into_owned();
            rt.block_on(async {
                let _ = Shell::new(device()).run(&line, Stdin::empty()).await;
            });
        }

        #[test]
        fn running_shell_shaped_soup(line in "(echo|cat|ls|rm|mkdir|getprop|exit|cd|true|false|x|/system/bin/id| |'|\"|\\\\|;|&&|\\|\\||\\||>|>>|<|2>&1|>&2|9>|/sdcard/f|-r|-p|\\$\\?|\n){0,24}") {
            let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
            rt.block_on(async {
                let _ = Shell::new(device()).run(&line, Stdin::empty()).await;
            });
        }
    }
}

#[tokio::test]
async fn commands_can_read_a_sized_prefix_of_stdin_like_install_dash_s() {
    let d = device();
    d.commands().register_fn("sized", |mut ctx| {
        async move {
            let n: usize = ctx.argv.get(1).and_then(|a| a.parse().ok()).unwrap_or(0);
            let head = ctx.stdin.read_up_to(n).await;
            let rest = ctx.stdin.read_to_end().await;
            CommandOutput::ok(format!(
                "head={} rest={}\n",
                String::from_utf8_lossy(&head),
                String::from_utf8_lossy(&rest)
            ))
        }
        .boxed()
    });
    assert_eq!(
        run(&d, "echo abcdef | sized 3").await.0,
        "head=abc rest=def\n\n"
    );
}
