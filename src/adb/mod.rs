//! The ADB wire formats shared by the driver ([`crate::device`]) and the
//! simulated adbd ([`crate::sim`]): transport messages ([`wire`]), shell
//! protocol v2 packets ([`shell_proto`]) and host public keys ([`auth`]).
//! Pure encoders and decoders, no I/O.

pub mod auth;
pub mod shell_proto;
pub mod wire;
