//! pushlab proves Android offline push works end to end.
//!
//! The crate is laid out like the chain it reproduces (see `DESIGN.md` in the
//! shared design notes):
//!
//! - [`android`]: Android value types shared by the driver, the simulator and
//!   the vendors (intents, components, notification records).
//! - [`im`]: the IM server simulator (accounts, login state, push tokens,
//!   `sendmsg` and the offline-push decision).
//! - [`vendor`]: one module per push vendor: its certificate fields, the
//!   request the IM server builds for it, its simulated HTTP endpoint and its
//!   device-side delivery semantics.
//! - [`hub`]: the embedded server that composes the IM server, the vendor
//!   endpoints and the device gateway, plus the journal and the clock.
//! - [`diagnosis`]: the codes that name the first broken link of a chain.
//! - [`sim`]: the simulated device, an adbd on loopback TCP with a shell.
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
pub mod report;
pub mod runner;
pub mod scenario;
pub mod sim;
pub mod vendor;
