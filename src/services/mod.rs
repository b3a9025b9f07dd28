//! The shared services the hub is built from, below the IM server and the
//! vendor modules: the clock, the journal of every message's fate, the device
//! gateway's state and the JSON-lines streams the hub answers with.

pub mod clock;
pub mod gateway;
pub mod journal;
pub mod lines;
