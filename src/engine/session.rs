//! A long-lived engine for interactive views: probes every device, then re-probes on request.
//! Views talk to it only through `Event`s out and `Command`s in.

use super::{Shared, probe, run_all};
use crate::inventory::Device;
use crate::model::{Command, Event};
use std::sync::Arc;
use tokio::sync::Semaphore;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

/// Runs until the command channel closes (the view went away).
pub async fn serve(
    devices: Arc<Vec<Device>>,
    shared: Arc<Shared>,
    events: UnboundedSender<Event>,
    mut commands: UnboundedReceiver<Command>,
) {
    let permits = Arc::new(Semaphore::new(shared.settings.concurrency.max(1)));
    {
        let (devices, shared, events) = (devices.clone(), shared.clone(), events.clone());
        tokio::spawn(async move { run_all(&devices, shared, Some(events)).await });
    }
    while let Some(command) = commands.recv().await {
        let indices: Vec<usize> = match command {
            Command::Reprobe(i) if i < devices.len() => vec![i],
            Command::Reprobe(_) => continue,
            Command::ReprobeAll => (0..devices.len()).collect(),
        };
        for index in indices {
            let (devices, shared, events, permits) = (
                devices.clone(),
                shared.clone(),
                events.clone(),
                permits.clone(),
            );
            tokio::spawn(async move {
                let _permit = permits.acquire_owned().await;
                probe(&devices[index], &shared, index, Some(events)).await
            });
        }
    }
}
