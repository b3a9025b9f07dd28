//! `pushlab sim`: runs a simulated device until Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

use pushlab::sim::{AdbPublicKey, AuthPolicy, Profile, SimDevice};

/// Run a simulated Android device that adb can connect to.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Device profile:
    /// `<rom>-<version>[-<region>][-<hms>][-<gms>][-<quirk>...]`, e.g.
    /// aosp-gms-android13, coloros-api26, emui-android10-hms20401299,
    /// aosp-gms-android5, funtouch-android11-nopush (see --list-profiles).
    #[arg(long, default_value = pushlab::sim::profile::DEFAULT_PROFILE)]
    pub profile: String,
    /// Print the profile name grammar and example profiles, and exit.
    #[arg(long)]
    pub list_profiles: bool,
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Accept only the host keys listed in this adb_keys file (one public
    /// key per line, as in adbkey.pub); other hosts stay `unauthorized`.
    #[arg(long, value_name = "FILE")]
    pub adb_keys: Option<PathBuf>,
    /// Allow listening on a non-loopback address (anyone who can reach it
    /// can drive the simulated device).
    #[arg(long)]
    pub allow_remote: bool,
    /// Boot without the companion apps, like a phone on which pushlab has
    /// not run yet: `pushlab run --device adb:SERIAL` installs the APKs
    /// from android-app/build/ (the simulator then runs its models of them).
    #[arg(long)]
    pub no_companions: bool,
}

/// The grammar and the example profiles, one line each.
pub fn profile_list() -> String {
    use pushlab::sim::profile::{EXAMPLE_PROFILES, GRAMMAR};
    let width = EXAMPLE_PROFILES
        .iter()
        .map(|(n, _)| n.len())
        .max()
        .unwrap_or(0);
    let mut out = format!("Profile names:\n{GRAMMAR}\nExamples:\n");
    for (name, about) in EXAMPLE_PROFILES {
        out.push_str(&format!("  {name:<width$}  {about}\n"));
    }
    out
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if args.list_profiles {
        print!("{}", profile_list());
        return Ok(ExitCode::SUCCESS);
    }
    let profile = Profile::parse(&args.profile)?;
    let auth = match &args.adb_keys {
        Some(path) => {
            let keys = AdbPublicKey::load_file(path)?;
            if keys.is_empty() {
                eprintln!(
                    "warning: {} lists no keys: every host will stay unauthorized",
                    path.display()
                );
            }
            AuthPolicy::Keys(keys)
        }
        None => AuthPolicy::AcceptAny,
    };
    if !args.listen.ip().is_loopback() {
        if args.allow_remote {
            eprintln!(
                "warning: listening on {}, reachable from other machines",
                args.listen
            );
        } else {
            anyhow::bail!(
                "refusing to listen on non-loopback address {} (pass --allow-remote to do so)",
                args.listen
            );
        }
    }
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    rt.block_on(async move {
        let sim = SimDevice::builder(profile.clone())
            .auth(auth)
            .allow_remote(args.allow_remote)
            .companions(!args.no_companions)
            .spawn(args.listen)
            .await?;
        println!(
            "simulated device {} ({} {}, API {}) listening on {}",
            profile.name,
            profile.manufacturer,
            profile.model,
            profile.api_level.get(),
            sim.addr()
        );
        println!("adb connect {}", sim.addr());
        tokio::signal::ctrl_c()
            .await
            .context("waiting for Ctrl-C")?;
        sim.shutdown();
        Ok(ExitCode::SUCCESS)
    })
}
