//! pushlab proves Android offline push works end to end.
//!
//! The crate is laid out like the chain it reproduces; `docs/architecture.md`
//! is the map and says what each module may import.
//!
//! - [`wire`] and [`android`]: the bottom floor. The gateway protocol,
//!   message and vendor ids, device facts; Android value types (intents,
//!   components, notification records, log levels).
//! - [`services`]: the clock, the journal and the device gateway's state.
//! - [`push`]: one folder per push vendor: its certificate fields, the
//!   request the IM server builds for it, its simulated HTTP endpoint and its
//!   device-side delivery semantics. (Named `push`, not `vendor`, because
//!   code hosts and analysis tools treat `vendor/` folders as third-party.)
//! - [`im`]: the IM server simulator (accounts, login state, push tokens,
//!   `sendmsg` and the offline-push decision).
//! - [`hub`]: the embedded server that composes the IM server, the vendor
//!   endpoints and the device gateway on one HTTP listener.
//! - [`diagnosis`]: the codes that name the first broken link of a chain.
//! - [`device`]: the ADB driver that reads and drives any device.
//! - [`sim`]: the simulated phone, an adbd on loopback TCP with a shell.
//! - [`scenario`]: the scenario file format, its checks and its matrix.
//! - [`runner`]: executes scenario runs against a hub and a device.
//! - [`report`]: results as console lines, JSON and JUnit XML.

pub mod adb;
pub mod android;
pub mod bench;
pub mod companion;
pub mod device;
pub mod diagnosis;
pub mod hub;
pub mod im;
pub mod profile;
pub mod push;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod services;
pub mod sim;
pub mod wire;
