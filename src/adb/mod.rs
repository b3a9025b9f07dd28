//! The ADB wire formats shared by the driver ([`crate::device`]) and the
//! simulated adbd ([`crate::sim`]): transport messages ([`wire`]), shell
//! protocol v2 packets ([`shell_proto`]) and host public keys ([`auth`]).
//! Pure encoders and decoders, no I/O.
//!
//! Hand-written, although `adb_client` (which the driver uses to reach an
//! adb server) also speaks the transport: its direct-TCP device hands back
//! a shell command's stdout only, with no stderr and no exit status (no
//! shell protocol v2), and it implements the host side alone, while the
//! simulated adbd needs the same frames from the device side. One codec here
//! serves both ends, and the host-side transport over it
//! ([`crate::device`]'s direct connection) bounds every read by a deadline.

pub mod auth;
pub mod shell_proto;
pub mod wire;
