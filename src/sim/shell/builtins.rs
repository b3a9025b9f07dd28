//! The commands every simulated device has, with toybox's output formats:
//! `echo`, `true`, `false`, `getprop`, `setprop`, `cat`, `ls`, `rm`,
//! `mkdir`, `id`, `whoami`.

use std::sync::Arc;

use async_trait::async_trait;

use super::{CommandContext, CommandOutput, CommandRegistry, ShellCommand};
use crate::sim::fs::{FileStat, FsError, S_IFDIR, S_IFMT};

/// What `id` prints for the adb shell user.
pub const SHELL_ID: &str = "uid=2000(shell) gid=2000(shell) groups=2000(shell),1004(input),1007(log),1011(adb),1015(sdcard_rw),1028(sdcard_r),1078(ext_data_rw),1079(ext_obb_rw),3001(net_bt_admin),3002(net_bt),3003(inet),3006(net_bw_stats),3009(readproc),3011(uhid),3012(readtracefs) context=u:r:shell:s0";

macro_rules! builtin {
    ($ty:ident, $name:literal, |$ctx:ident| $body:expr) => {
        struct $ty;
        #[async_trait]
        impl ShellCommand for $ty {
            #[allow(unused_mut)]
            async fn run(&self, mut $ctx: CommandContext) -> CommandOutput {
                $body
            }
        }
    };
}

/// The arguments after the command name (empty if even that is missing).
fn operands(argv: &[String]) -> &[String] {
    argv.get(1..).unwrap_or_default()
}

/// Registers every builtin in `r`.
pub fn register_all(r: &CommandRegistry) {
    r.register("echo", Arc::new(Echo));
    r.register("true", Arc::new(True));
    r.register("false", Arc::new(False));
    r.register("getprop", Arc::new(Getprop));
    r.register("setprop", Arc::new(Setprop));
    r.register("cat", Arc::new(Cat));
    r.register("ls", Arc::new(Ls));
    r.register("rm", Arc::new(Rm));
    r.register("mkdir", Arc::new(Mkdir));
    r.register("id", Arc::new(Id));
    r.register("whoami", Arc::new(Whoami));
}

builtin!(True, "true", |ctx| {
    let _ = ctx;
    CommandOutput::code(0)
});
builtin!(False, "false", |ctx| {
    let _ = ctx;
    CommandOutput::code(1)
});
builtin!(Id, "id", |ctx| {
    let _ = ctx;
    CommandOutput::ok(format!("{SHELL_ID}\n"))
});
builtin!(Whoami, "whoami", |ctx| {
    let _ = ctx;
    CommandOutput::ok("shell\n")
});

builtin!(Echo, "echo", |ctx| {
    let mut args = operands(&ctx.argv);
    let mut newline = true;
    let mut escapes = false;
    while let Some(first) = args.first() {
        let flag = first
            .strip_prefix('-')
            .filter(|f| !f.is_empty() && f.chars().all(|c| matches!(c, 'n' | 'e' | 'E')));
        let Some(flag) = flag else { break };
        for c in flag.chars() {
            match c {
                'n' => newline = false,
                'e' => escapes = true,
                _ => escapes = false,
            }
        }
        args = args.get(1..).unwrap_or_default();
    }
    let mut text = args.join(" ");
    if escapes {
        let (t, stop) = unescape(&text);
        text = t;
        if stop {
            newline = false;
        }
    }
    if newline {
        text.push('\n');
    }
    CommandOutput::ok(text)
});

/// `echo -e` escapes; the flag is true after `\c` (stop output).
fn unescape(s: &str) -> (String, bool) {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            Some('a') => out.push('\x07'),
            Some('b') => out.push('\x08'),
            Some('e') => out.push('\x1b'),
            Some('c') => return (out, true),
            Some(o) => {
                out.push('\\');
                out.push(o);
            }
            None => out.push('\\'),
        }
    }
    (out, false)
}

builtin!(Getprop, "getprop", |ctx| {
    match ctx.argv.get(1) {
        Some(key) => {
            let value = ctx
                .device
                .getprop(key)
                .or_else(|| ctx.argv.get(2).cloned())
                .unwrap_or_default();
            CommandOutput::ok(format!("{value}\n"))
        }
        None => {
            let mut out = String::new();
            for (k, v) in ctx.device.props() {
                out.push_str(&format!("[{k}]: [{v}]\n"));
            }
            CommandOutput::ok(out)
        }
    }
});

builtin!(Setprop, "setprop", |ctx| {
    match (ctx.argv.get(1), ctx.argv.get(2), ctx.argv.len()) {
        (Some(k), Some(v), 3) => {
            if k.starts_with("ro.") && ctx.device.getprop(k).is_some() {
                return CommandOutput::fail(
                    1,
                    format!(
                        "Failed to set property '{k}' to '{v}'.\nSee dmesg for error reason.\n"
                    ),
                );
            }
            ctx.device.setprop(k, v);
            CommandOutput::code(0)
        }
        _ => CommandOutput::fail(
            1,
            "usage: setprop NAME VALUE\n\nSets an Android system property.\n",
        ),
    }
});

builtin!(Cat, "cat", |ctx| {
    let files: Vec<String> = operands(&ctx.argv)
        .iter()
        .filter(|a| a.as_str() != "-")
        .cloned()
        .collect();
    if files.is_empty() {
        let data = ctx.stdin.read_to_end().await;
        return CommandOutput::ok(data);
    }
    let mut out = CommandOutput::default();
    for f in files {
        let res = ctx
            .path(&f)
            .ok_or(FsError::NotFound)
            .and_then(|p| ctx.device.fs().read(&p));
        match res {
            Ok(d) => out.stdout.extend_from_slice(&d),
            Err(e) => {
                out.stderr
                    .extend_from_slice(format!("cat: {f}: {e}\n").as_bytes());
                out.exit = 1;
            }
        }
    }
    out
});

builtin!(Ls, "ls", |ctx| {
    let mut long = false;
    let mut all = false;
    let mut paths = Vec::new();
    for a in operands(&ctx.argv) {
        match a.strip_prefix('-') {
            Some(flags) if !flags.is_empty() => {
                long |= flags.contains('l');
                all |= flags.contains('a');
            }
            _ => paths.push(a.clone()),
        }
    }
    if paths.is_empty() {
        paths.push(".".into());
    }
    let multiple = paths.len() > 1;
    let mut out = CommandOutput::default();
    for (i, p) in paths.iter().enumerate() {
        let Some(abs) = ctx.path(p) else {
            out.stderr
                .extend_from_slice(format!("ls: {p}: No such file or directory\n").as_bytes());
            out.exit = 1;
            continue;
        };
        let fs = ctx.device.fs();
        match fs.stat(&abs) {
            Err(e) => {
                out.stderr
                    .extend_from_slice(format!("ls: {p}: {e}\n").as_bytes());
                out.exit = 1;
            }
            Ok(st) if !st.is_dir() => out.stdout.extend_from_slice(line(p, &st, long).as_bytes()),
            Ok(_) => {
                if multiple {
                    if i > 0 {
                        out.stdout.push(b'\n');
                    }
                    out.stdout.extend_from_slice(format!("{p}:\n").as_bytes());
                }
                let entries = fs.list(&abs).unwrap_or_default();
                if long {
                    out.stdout
                        .extend_from_slice(format!("total {}\n", entries.len()).as_bytes());
                }
                for (name, st) in entries {
                    if !all && name.starts_with('.') {
                        continue;
                    }
                    out.stdout
                        .extend_from_slice(line(&name, &st, long).as_bytes());
                }
            }
        }
    }
    out
});

fn line(name: &str, st: &FileStat, long: bool) -> String {
    if !long {
        return format!("{name}\n");
    }
    let kind = if st.mode & S_IFMT == S_IFDIR {
        'd'
    } else {
        '-'
    };
    let mut perms = String::new();
    for shift in [6, 3, 0] {
        let bits = (st.mode >> shift) & 7;
        perms.push(if bits & 4 != 0 { 'r' } else { '-' });
        perms.push(if bits & 2 != 0 { 'w' } else { '-' });
        perms.push(if bits & 1 != 0 { 'x' } else { '-' });
    }
    let (date, time) = civil(st.mtime);
    format!(
        "{kind}{perms} 1 shell shell {:>8} {date} {time} {name}\n",
        st.size
    )
}

/// `YYYY-MM-DD` and `HH:MM` (UTC) for epoch seconds.
fn civil(secs: u32) -> (String, String) {
    let days = i64::from(secs / 86_400);
    let rem = secs % 86_400;
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        format!("{y:04}-{m:02}-{d:02}"),
        format!("{:02}:{:02}", rem / 3600, (rem % 3600) / 60),
    )
}

builtin!(Rm, "rm", |ctx| {
    let mut recursive = false;
    let mut force = false;
    let mut targets = Vec::new();
    for a in operands(&ctx.argv) {
        match a.strip_prefix('-') {
            Some(flags) if !flags.is_empty() => {
                recursive |= flags.contains('r') || flags.contains('R');
                force |= flags.contains('f');
            }
            _ => targets.push(a.clone()),
        }
    }
    if targets.is_empty() && !force {
        return CommandOutput::fail(1, "rm: Needs 1 argument (see \"rm --help\")\n");
    }
    let mut out = CommandOutput::default();
    for t in targets {
        let res = ctx
            .path(&t)
            .ok_or(FsError::NotFound)
            .and_then(|p| ctx.device.fs().remove(&p, recursive));
        match res {
            Ok(()) => {}
            Err(FsError::NotFound) if force => {}
            Err(FsError::IsADirectory) => {
                out.stderr
                    .extend_from_slice(format!("rm: {t}: is a directory\n").as_bytes());
                out.exit = 1;
            }
            Err(e) => {
                out.stderr
                    .extend_from_slice(format!("rm: {t}: {e}\n").as_bytes());
                out.exit = 1;
            }
        }
    }
    out
});

builtin!(Mkdir, "mkdir", |ctx| {
    let mut parents = false;
    let mut dirs = Vec::new();
    for a in operands(&ctx.argv) {
        match a.strip_prefix('-') {
            Some(flags) if !flags.is_empty() => parents |= flags.contains('p'),
            _ => dirs.push(a.clone()),
        }
    }
    if dirs.is_empty() {
        return CommandOutput::fail(1, "mkdir: Needs 1 argument (see \"mkdir --help\")\n");
    }
    let mut out = CommandOutput::default();
    for d in dirs {
        let res = ctx
            .path(&d)
            .ok_or(FsError::NotFound)
            .and_then(|p| ctx.device.fs().mkdir(&p, parents));
        if let Err(e) = res {
            out.stderr
                .extend_from_slice(format!("mkdir: '{d}': {e}\n").as_bytes());
            out.exit = 1;
        }
    }
    out
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil(0), ("1970-01-01".to_string(), "00:00".to_string()));
        assert_eq!(civil(1_700_000_000).0, "2023-11-14");
    }

    #[test]
    fn echo_escapes() {
        assert_eq!(unescape("a\\tb\\c rest"), ("a\tb".to_string(), true));
    }
}
