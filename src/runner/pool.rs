//! Real devices (phones, emulators, or any adbd) for runs: each is read
//! once for its facts and made ready ([`super::companions`]), then every
//! run goes to a free device that can stand for its profile
//! ([`super::matching`]), one run per device at a time. A run no device can
//! stand for is skipped with the reasons.

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

use super::companions::{self, CompanionError, PrepareOptions, Setup};
use super::matching::{self, describe_device, Fit};
use super::{DeviceProvider, ProvidedDevice, ProviderError};
use crate::device::{Device, DeviceError, Target};
use crate::profile::Profile;
use crate::wire::protocol::DeviceInfo;

/// One device of a pool.
pub struct PoolDevice {
    pub device: Device,
    /// The serial its push service registers under.
    pub serial: String,
    /// Its facts, as its push service reports them.
    pub info: DeviceInfo,
    busy: Arc<Semaphore>,
}

/// Why a device could not join a pool.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    #[error("{target}: {source}")]
    Device {
        target: String,
        #[source]
        source: DeviceError,
    },
    #[error(transparent)]
    Companions(#[from] CompanionError),
    #[error("{0} is named twice")]
    Duplicate(String),
}

impl PoolDevice {
    /// Connects to `target`, reads its serial and facts, and makes it
    /// ready; `on_setup` sees each thing done.
    pub async fn connect(
        target: Target,
        options: &PrepareOptions,
        on_setup: &(dyn Fn(&str, &Setup) + Send + Sync),
    ) -> Result<PoolDevice, PoolError> {
        let device = Device::new(target.clone());
        let err = |source| PoolError::Device {
            target: target.to_string(),
            source,
        };
        let serial = match &target {
            Target::AdbServer {
                serial: Some(s), ..
            } => s.clone(),
            Target::Tcp { addr } => addr.to_string(),
            Target::AdbServer { serial: None, .. } => device
                .getprop("ro.serialno")
                .await
                .map_err(err)?
                .unwrap_or_else(|| "device".into()),
        };
        let info = device.device_info().await.map_err(err)?;
        for step in companions::prepare(&device, &serial, options).await? {
            on_setup(&serial, &step);
        }
        Ok(PoolDevice {
            device,
            serial,
            info,
            busy: Arc::new(Semaphore::new(1)),
        })
    }

    /// `serial: Brand Model (Android N, API L)`.
    pub fn describe(&self) -> String {
        format!("{}: {}", self.serial, describe_device(&self.info))
    }
}

/// Devices shared by the runs. Each device takes one run at a time; a run
/// waits for a free device that fits, so runs need no other limit (a run
/// waiting for a busy phone holds nothing another phone's run needs).
pub struct DevicePool {
    devices: Vec<PoolDevice>,
    freed: Arc<Notify>,
}

impl DevicePool {
    pub fn new(devices: Vec<PoolDevice>) -> Result<DevicePool, PoolError> {
        for (i, d) in devices.iter().enumerate() {
            if devices[..i].iter().any(|o| o.serial == d.serial) {
                return Err(PoolError::Duplicate(d.serial.clone()));
            }
        }
        Ok(DevicePool {
            devices,
            freed: Arc::new(Notify::new()),
        })
    }

    pub fn devices(&self) -> &[PoolDevice] {
        &self.devices
    }

    /// The devices that can stand for `profile`, best first (exact fits
    /// before compatible ones), or why none can.
    pub fn candidates(&self, profile: &Profile) -> Result<Vec<&PoolDevice>, String> {
        let fits: Vec<(&PoolDevice, Fit)> = self
            .devices
            .iter()
            .map(|d| (d, matching::fit(profile, &d.info)))
            .collect();
        let mut ok: Vec<(&PoolDevice, bool)> = fits
            .iter()
            .filter(|(_, f)| f.fits())
            .map(|(d, f)| (*d, *f == Fit::Exact))
            .collect();
        if ok.is_empty() {
            let why: Vec<String> = fits
                .iter()
                .map(|(d, f)| format!("{}: {}", d.serial, f.reasons().join(", ")))
                .collect();
            return Err(format!(
                "no device can stand for {}: {}",
                profile.name,
                why.join("; ")
            ));
        }
        ok.sort_by_key(|(_, exact)| !exact);
        Ok(ok.into_iter().map(|(d, _)| d).collect())
    }
}

/// Frees its device, and wakes the runs waiting for one, when dropped.
struct Lease {
    _permit: OwnedSemaphorePermit,
    freed: Arc<Notify>,
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.freed.notify_waiters();
    }
}

#[async_trait]
impl DeviceProvider for DevicePool {
    async fn acquire(&self, profile: &str) -> Result<ProvidedDevice, ProviderError> {
        let profile = Profile::parse(profile)
            .map_err(|e| ProviderError::Unavailable(format!("device profile {profile}: {e}")))?;
        let candidates = self.candidates(&profile).map_err(ProviderError::Unfit)?;
        loop {
            let freed = self.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            for d in &candidates {
                if let Ok(permit) = d.busy.clone().try_acquire_owned() {
                    return Ok(ProvidedDevice {
                        device: d.device.clone(),
                        serial: d.serial.clone(),
                        virtual_clock: false,
                        keep_alive: Box::new(Lease {
                            _permit: permit,
                            freed: self.freed.clone(),
                        }),
                    });
                }
            }
            freed.await;
        }
    }
}
