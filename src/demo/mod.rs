//! The built-in demo fleet: simulated devices on loopback telling the common stories.

use crate::inventory::Device;

/// A running fleet; dropping it stops every simulated device and removes its files.
pub struct Fleet {
    pub devices: Vec<Device>,
}

/// Starts the fleet on 127.x.y.z addresses.
pub async fn start() -> std::io::Result<Fleet> {
    Err(std::io::Error::other("the demo fleet is not built yet"))
}
