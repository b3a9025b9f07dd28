//! The command line around the runner: `check` and its exit codes, `schema`,
//! and `run`'s usage errors (exit 2), without a device.

use std::process::Command;

fn pushlab(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pushlab"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("pushlab runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_passes_the_builtin_suites() {
    let (code, out, err) = pushlab(&["check"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("ok: 8 files"), "{out}");
}

#[test]
fn check_reports_broken_files_with_exit_2() {
    let (code, _, err) = pushlab(&[
        "check",
        "fixtures/scenarios/key_typo.yaml",
        "scenarios/xiaomi.yaml",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("fixtures/scenarios/key_typo.yaml:9:11: cases[0].steps[1].send: unknown field `txet` (allowed: from, to, text, custom, offline_push)"),
        "{err}"
    );
    assert!(err.contains("1 of 2 files have errors"), "{err}");
    let (code, _, err) = pushlab(&["check", "no/such/file.yaml"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn schema_is_json_naming_every_step() {
    let (code, out, _) = pushlab(&["schema"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let text = v.to_string();
    for step in pushlab::scenario::model::STEP_NAMES {
        assert!(
            text.contains(&format!("\"{step}\"")),
            "{step} in the schema"
        );
    }
    assert!(text.contains("im.certificate_not_effective"));
}

#[test]
fn run_refuses_broken_files_and_bad_arguments_with_exit_2() {
    let (code, _, err) = pushlab(&["run", "fixtures/scenarios/unknown_step.yaml"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown step `sned`"), "{err}");
    let (code, _, _) = pushlab(&["run", "--shard", "5/4"]);
    assert_eq!(code, 2);
    let (code, _, _) = pushlab(&["run", "--device", "sim:nokia"]);
    assert_eq!(code, 2);
    let (code, _, err) = pushlab(&["run", "--filter", "no case has this name"]);
    assert_eq!(code, 2);
    assert!(err.contains("no runs selected"), "{err}");
}

#[test]
fn run_passes_a_case_on_the_embedded_simulated_device() {
    let (code, out, err) = pushlab(&["run", "--filter", "xiaomi.yaml::open app"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("1 runs: 1 passed, 0 failed, 0 errors"),
        "{out}"
    );
}
