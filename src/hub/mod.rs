//! The embedded hub: composes the IM server, the vendor endpoints and the
//! device gateway on one HTTP server, with one journal and one clock.

pub mod clock;
pub mod gateway;
pub mod journal;
pub mod lines;
