//! `pushlab serve`: the hub on its own, for a backend, a phone or curl.

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::{bail, Context};
use pushlab::hub::Hub;
use pushlab::services::clock::Clock;

/// Serve the IM server, the six vendor endpoints and the device gateway.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on. Loopback by default; any other address needs
    /// --allow-remote.
    #[arg(long, default_value = "127.0.0.1:8700")]
    pub listen: SocketAddr,

    /// Allow listening on a non-loopback address (the hub has no
    /// authentication of its own: anyone who can reach it can use it).
    #[arg(long)]
    pub allow_remote: bool,

    /// Which clock the hub runs on: `real` follows the wall clock; `virtual`
    /// stands still until POST /admin/v1/clock/advance moves it. Either way
    /// advancing skips ahead (e.g. past a certificate's 10-minute delay).
    #[arg(long, value_enum, default_value_t = ClockArg::Real)]
    pub clock: ClockArg,

    /// How long a certificate saved in the IM console takes to take effect
    /// (`600s`, `10m`, `0s`...). The guides give 10 minutes; `0s` models a
    /// console whose change reaches the push servers at once.
    #[arg(long, default_value = "600s", value_parser = parse_delay)]
    pub certificate_delay: std::time::Duration,
}

/// A duration as scenario files write it (`500ms`, `10s`, `10m`, `1h`).
fn parse_delay(s: &str) -> Result<std::time::Duration, String> {
    s.parse::<pushlab::scenario::model::Wait>().map(|w| w.0)
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ClockArg {
    Real,
    Virtual,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if !args.listen.ip().is_loopback() {
        if !args.allow_remote {
            bail!(
                "refusing to listen on {} (not loopback): the hub has no authentication; pass --allow-remote to do it anyway",
                args.listen
            );
        }
        eprintln!(
            "warning: listening on {}: anyone who can reach this address can use the hub",
            args.listen
        );
    }
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    rt.block_on(async move {
        let clock = match args.clock {
            ClockArg::Real => Clock::real(),
            ClockArg::Virtual => Clock::virtual_now(),
        };
        let hub = Hub::new(clock);
        hub.im.set_certificate_delay(args.certificate_delay);
        let running = hub
            .start(args.listen)
            .await
            .with_context(|| format!("listening on {}", args.listen))?;
        println!("pushlab hub listening on {}", running.base_url());
        for (name, url) in running.endpoints() {
            println!("  {name:<22} {url}");
        }
        let delay = args.certificate_delay;
        if delay.is_zero() {
            println!("Certificates take effect as soon as they are saved.");
        } else {
            let secs = delay.as_secs() + u64::from(delay.subsec_nanos() > 0);
            println!(
                "Certificates take effect {delay:?} after they are saved; skip ahead with\n  curl -X POST {}/admin/v1/clock/advance -d '{{\"seconds\":{secs}}}'",
                running.base_url()
            );
        }
        println!("Press Ctrl-C to stop.");
        tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
        running.stop().await.context("stopping the hub")?;
        Ok(ExitCode::SUCCESS)
    })
}
