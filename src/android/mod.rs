//! Android value types shared by the driver, the simulated device and the
//! vendor modules.

pub mod intent;

pub use intent::{ComponentName, ExtraValue};
