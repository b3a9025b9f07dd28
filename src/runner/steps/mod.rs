//! One function per step kind of a scenario, as methods of the executing
//! run ([`super::exec`] dispatches to them):
//!
//! - `session`: the user's IM session on the device (`login`, `logout`,
//!   `kick`, `report_token`);
//! - `app`: what the phone's user does (`launch_app`, `kill_app`,
//!   `tap_notification`) and time passing (`advance_time`);
//! - `certificate`: the IM console (`edit_certificate`);
//! - `send`: the backend's `sendmsg` (`send`, `burst`);
//! - `expect`: what must follow (`expect_notification`,
//!   `expect_no_notification`, `expect_activity`, `expect_url`,
//!   `expect_ext`);
//! - `callback`: which SDK callback or activity ran (`expect_callback`),
//!   and the launcher badge of `expect_notification`.
//!
//! Each waits on the hub's journal with a deadline, then confirms on the
//! device; a failure names what was expected and what was seen.

mod app;
mod callback;
mod certificate;
mod expect;
mod send;
mod session;

pub use expect::same_ext;
pub use send::sendmsg_body;
