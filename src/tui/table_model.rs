//! The dashboard's rows as data: which devices show, in which order, under which group
//! headers, and the counts for the header. Built only when the state changed (the app keeps a
//! dirty flag), never per frame.

use std::cmp::Ordering;

use super::device::{Condition, DeviceRow};
use super::text;
use crate::model::Stage;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Name,
    /// Earliest stage reached first: the most broken devices on top.
    StageReached,
    /// Slowest first.
    Time,
}

impl SortKey {
    pub fn next(self) -> Self {
        match self {
            SortKey::Name => SortKey::StageReached,
            SortKey::StageReached => SortKey::Time,
            SortKey::Time => SortKey::Name,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SortKey::Name => "name",
            SortKey::StageReached => "stage reached",
            SortKey::Time => "time",
        }
    }
}

/// What decides the rows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TableOptions {
    pub filter: String,
    pub failing_only: bool,
    pub grouped: bool,
    pub sort: SortKey,
    /// Watch mode (`w`): rows say, and the counts and groups take, where each device's
    /// watch stands.
    pub watching: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableLine {
    Group { outcome: Condition, count: usize },
    Device(usize),
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Counts {
    pub total: usize,
    pub ready: usize,
    /// Ready devices that passed with a warning (an unknown host key, say).
    pub warned: usize,
    pub failing: usize,
    pub failing_at: [usize; 9],
    pub running: usize,
    /// Not probed yet, or (watch mode) waiting for the next attempt.
    pub waiting: usize,
    /// Devices that pass the filter.
    pub shown: usize,
}

impl Counts {
    /// Failing stages with their counts, most first, ties in pipeline order.
    pub fn failing_by_stage(&self) -> Vec<(Stage, usize)> {
        let mut list: Vec<(Stage, usize)> = Stage::ALL
            .into_iter()
            .map(|s| (s, self.failing_at[s.index()]))
            .filter(|(_, n)| *n > 0)
            .collect();
        list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        list
    }
}

#[derive(Debug, Clone, Default)]
pub struct TableModel {
    pub lines: Vec<TableLine>,
    /// For each device, its line index when shown.
    pub line_of_device: Vec<Option<usize>>,
    pub counts: Counts,
    /// Widest name and address among shown devices, for column widths.
    pub name_width: usize,
    pub address_width: usize,
    /// The clients the shown devices' verdicts are about.
    pub clients: Clients,
}

/// One client for every shown device goes in the header; several need a column.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Clients {
    /// No verdict yet.
    #[default]
    Unknown,
    One(String),
    Several,
}

impl TableModel {
    pub fn build(rows: &[DeviceRow], options: &TableOptions) -> Self {
        let watching = options.watching;
        let counts_all = count(rows, watching);
        let needle = super::device::searchable(options.filter.trim());
        let mut shown: Vec<usize> = (0..rows.len())
            .filter(|&i| {
                let row = &rows[i];
                !row.is_removed()
                    // What the row shows: in watch mode, where its watch stands.
                    && (!options.failing_only
                        || matches!(row.standing(watching), Condition::Failing(_)))
                    && (needle.is_empty() || row.extra.search(watching).contains(&needle))
            })
            .collect();
        shown.sort_by(|&a, &b| compare(&rows[a], &rows[b], options.sort, watching).then(a.cmp(&b)));

        let mut lines = Vec::with_capacity(shown.len() + 12);
        if options.grouped {
            // Stable partition by outcome keeps the chosen sort inside each group.
            let mut keyed: Vec<(Condition, usize)> = shown
                .iter()
                .map(|&i| (rows[i].standing(watching), i))
                .collect();
            keyed.sort_by_key(|(outcome, _)| *outcome);
            let mut start = 0;
            while start < keyed.len() {
                let outcome = keyed[start].0;
                let end = keyed[start..]
                    .iter()
                    .position(|(o, _)| *o != outcome)
                    .map_or(keyed.len(), |n| start + n);
                lines.push(TableLine::Group {
                    outcome,
                    count: end - start,
                });
                lines.extend(keyed[start..end].iter().map(|(_, i)| TableLine::Device(*i)));
                start = end;
            }
        } else {
            lines.extend(shown.iter().map(|&i| TableLine::Device(i)));
        }

        let mut line_of_device = vec![None; rows.len()];
        for (n, line) in lines.iter().enumerate() {
            if let TableLine::Device(i) = line {
                line_of_device[*i] = Some(n);
            }
        }
        let name_width = shown
            .iter()
            .map(|&i| text::width(&rows[i].report.name))
            .max()
            .unwrap_or(0);
        let address_width = shown
            .iter()
            .map(|&i| text::width(&rows[i].address()))
            .max()
            .unwrap_or(0);
        let mut clients = Clients::Unknown;
        for id in shown
            .iter()
            .filter_map(|&i| rows[i].report.client.as_ref().map(|c| &c.id))
        {
            clients = match clients {
                Clients::Unknown => Clients::One(id.clone()),
                Clients::One(one) if &one == id => Clients::One(one),
                _ => Clients::Several,
            };
            if clients == Clients::Several {
                break;
            }
        }
        TableModel {
            lines,
            line_of_device,
            counts: Counts {
                shown: shown.len(),
                ..counts_all
            },
            name_width,
            address_width,
            clients,
        }
    }

    pub fn device_at(&self, line: usize) -> Option<usize> {
        match self.lines.get(line) {
            Some(TableLine::Device(i)) => Some(*i),
            _ => None,
        }
    }

    /// The device on `line` or, if that is a group header or past the end, the nearest one.
    pub fn nearest_device(&self, line: usize) -> Option<usize> {
        let last = self.lines.len().checked_sub(1)?;
        let line = line.min(last);
        (line..=last)
            .chain((0..line).rev())
            .find_map(|n| self.device_at(n))
    }

    /// Devices in display order.
    pub fn devices(&self) -> impl Iterator<Item = usize> + '_ {
        self.lines.iter().filter_map(|l| match l {
            TableLine::Device(i) => Some(*i),
            TableLine::Group { .. } => None,
        })
    }
}

fn count(rows: &[DeviceRow], watching: bool) -> Counts {
    let mut counts = Counts::default();
    for row in rows.iter().filter(|r| !r.is_removed()) {
        counts.total += 1;
        match row.standing(watching) {
            Condition::Failing(stage) => {
                counts.failing += 1;
                counts.failing_at[stage.index()] += 1;
            }
            Condition::Running => counts.running += 1,
            Condition::Waiting | Condition::Pending => counts.waiting += 1,
            Condition::Ready => {
                counts.ready += 1;
                if row.first_warning().is_some() {
                    counts.warned += 1;
                }
            }
        }
    }
    counts
}

fn compare(a: &DeviceRow, b: &DeviceRow, key: SortKey, watching: bool) -> Ordering {
    let by_name = || a.extra.sort_name.cmp(&b.extra.sort_name);
    let rank = |r: &DeviceRow| progress_rank(r, watching);
    match key {
        SortKey::Name => by_name(),
        SortKey::StageReached => rank(a).cmp(&rank(b)).then_with(by_name),
        SortKey::Time => {
            // Not yet probed goes last; a running device counts with its time so far.
            let time = |r: &DeviceRow| match r.standing(watching) {
                Condition::Pending => None,
                _ => Some(r.report.elapsed_ms),
            };
            match (time(a), time(b)) {
                (Some(x), Some(y)) => y.total_cmp(&x),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            }
            .then_with(by_name)
        }
    }
}

/// Devices that never started sort after every probed one.
fn progress_rank(row: &DeviceRow, watching: bool) -> (bool, usize) {
    let pending = row.standing(watching) == Condition::Pending;
    (pending, row.report.reached.map_or(0, |s| s.index() + 1))
}
