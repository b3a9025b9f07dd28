//! The IM server simulator.
