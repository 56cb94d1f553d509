//! Nornir's SimpleInventory files read into hosts, groups and defaults, and Nornir's
//! inheritance over them:
//!
//! - an attribute (`hostname`, `port`, `username`, `password`, `platform`) is the host's,
//!   else the first of its *extended groups* that sets it, else the defaults'. The extended
//!   groups are the host's groups in order, each followed by its own extended groups, without
//!   repeats (`InventoryElement.extended_groups`);
//! - `connection_options.<plugin>` is resolved field by field: the host's, then for each of
//!   its direct groups that group's resolution (in which the *defaults* already take part),
//!   then the defaults' (`Host._get_connection_options_recursively`). `extras` is taken whole
//!   from the first level that has it.
//!
//! A group cycle or an unknown group is an error for the hosts that reach it; the others load.

use crate::sources::SourceError;
use crate::sources::args::{Arg, Notes, error_at};
use crate::sources::read::located;
use crate::sources::yaml::Node;
use crate::sources::{MAX_DEVICES, ValueSource};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// The attributes every inventory element has.
pub(super) const ATTRIBUTES: [&str; 5] = ["hostname", "port", "username", "password", "platform"];
/// Keys of one `connection_options` entry.
const CONNECTION_KEYS: [&str; 6] = [
    "hostname", "port", "username", "password", "platform", "extras",
];
/// Far beyond a real inventory; bounds the group graph's cost on hostile input.
const MAX_GROUPS: usize = 10_000;
/// Total length of all groups' extended-group lists.
const MAX_GROUP_WORK: usize = 2_000_000;

/// The five attributes, each as written (null counts as unset, as `None` does in Nornir).
#[derive(Debug, Clone, Default)]
pub(super) struct Attrs(pub [Option<Arg>; 5]);

impl Attrs {
    pub fn get(&self, name: &str) -> Option<&Arg> {
        let i = ATTRIBUTES.iter().position(|a| *a == name)?;
        self.0[i].as_ref()
    }

    /// Fills what is unset here from `other`.
    fn fill(&mut self, other: &Attrs) {
        for (mine, theirs) in self.0.iter_mut().zip(&other.0) {
            if mine.is_none() {
                mine.clone_from(theirs);
            }
        }
    }
}

/// One `connection_options.<plugin>`.
#[derive(Debug, Clone, Default)]
pub(super) struct ConnectionOptions {
    pub attrs: Attrs,
    pub extras: Option<Arg>,
}

impl ConnectionOptions {
    fn fill(&mut self, other: &ConnectionOptions) {
        self.attrs.fill(&other.attrs);
        if self.extras.is_none() {
            self.extras.clone_from(&other.extras);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.extras.is_none() && self.attrs.0.iter().all(Option::is_none)
    }
}

/// A host, a group or the defaults.
#[derive(Debug, Clone, Default)]
pub(super) struct Element {
    pub name: String,
    pub path: PathBuf,
    pub line: usize,
    pub attrs: Attrs,
    /// Parent groups, in order, each with where it is named.
    pub groups: Vec<(String, ValueSource)>,
    pub connections: BTreeMap<String, ConnectionOptions>,
}

/// The inventory as read, before anything is inherited.
#[derive(Debug, Default)]
pub(super) struct Inventory {
    pub hosts: Vec<Element>,
    pub groups: HashMap<String, Element>,
    pub defaults: Element,
    pub notes: Notes,
    /// No groups file could be read (standard input): group names are not errors.
    pub groups_unread: bool,
}

fn arg(path: &Path, key: String, line: usize, node: &Node) -> Option<Arg> {
    (!node.is_null()).then(|| Arg {
        key,
        node: node.clone(),
        source: ValueSource::file(path, line),
    })
}

/// Reads one element; `what` is "host", "group" or "defaults" (which have no groups).
fn element(
    path: &Path,
    name: &str,
    line: usize,
    node: &Node,
    what: &str,
    notes: &mut Notes,
) -> Result<Element, SourceError> {
    let mut e = Element {
        name: name.to_owned(),
        path: path.to_owned(),
        line,
        ..Element::default()
    };
    if node.is_null() {
        return Ok(e);
    }
    if !node.is_map() {
        let message = format!("{what} {name} is {}, not a mapping", node.describe());
        return Err(located(path, line, name, message));
    }
    let prefix = if what == "defaults" {
        String::new()
    } else {
        format!("{name}.")
    };
    for (key, key_line, value) in node.entries_lined() {
        if let Some(i) = ATTRIBUTES.iter().position(|a| *a == key) {
            e.attrs.0[i] = arg(path, format!("{prefix}{key}"), key_line, value);
        } else if key == "groups" && what != "defaults" {
            if value.is_null() {
                continue;
            }
            if !value.is_seq() {
                let message = format!(
                    "is {}, not a list of group names (Nornir would read each character as \
                     a group)",
                    value.describe()
                );
                return Err(located(path, key_line, &format!("{prefix}groups"), message));
            }
            for g in value.items() {
                match g.as_str() {
                    Some(name) => e
                        .groups
                        .push((name.to_owned(), ValueSource::file(path, g.line))),
                    None => {
                        let message = format!("a group name is {}", g.describe());
                        return Err(located(path, g.line, &format!("{prefix}groups"), message));
                    }
                }
            }
        } else if key == "connection_options" {
            for (plugin, plugin_line, options) in value.entries_lined() {
                let key_prefix = format!("{prefix}connection_options.{plugin}.");
                let mut c = ConnectionOptions::default();
                for (k, k_line, v) in options.entries_lined() {
                    let full = format!("{key_prefix}{k}");
                    match ATTRIBUTES.iter().position(|a| *a == k) {
                        Some(i) => c.attrs.0[i] = arg(path, full, k_line, v),
                        None if k == "extras" => c.extras = arg(path, full, k_line, v),
                        None => notes.add(
                            format!(
                                "{}:{k_line}: {full}: not a Nornir connection option ({}); \
                                 Nornir ignores it",
                                path.display(),
                                CONNECTION_KEYS.join(", ")
                            ),
                            "",
                        ),
                    }
                }
                if !options.is_map() && !options.is_null() {
                    let message = format!("is {}, not a mapping", options.describe());
                    return Err(located(
                        path,
                        plugin_line,
                        key_prefix.trim_end_matches('.'),
                        message,
                    ));
                }
                e.connections.insert(plugin.to_owned(), c);
            }
        } else if key != "data" {
            notes.add(
                format!(
                    "{}:{key_line}: {prefix}{key}: not a Nornir inventory key; Nornir ignores \
                     it (your own values belong under `data`)",
                    path.display()
                ),
                "",
            );
        }
    }
    Ok(e)
}

/// The mapping at the top of a hosts or groups file (empty for an empty file).
fn top<'a>(
    path: &Path,
    doc: &'a Option<Node>,
) -> Result<Vec<(&'a str, usize, &'a Node)>, SourceError> {
    match doc {
        None => Ok(Vec::new()),
        Some(d) if d.is_map() => Ok(d.entries_lined().collect()),
        Some(d) => Err(located(
            path,
            d.line,
            "",
            format!(
                "expected a mapping of names at the top, found {}",
                d.describe()
            ),
        )),
    }
}

impl Inventory {
    /// Reads the hosts file's text and, when given, the groups and defaults files'. An
    /// element Nornir cannot read is an error for it alone, kept in `errors`.
    pub fn read(
        hosts: (&Path, &Option<Node>),
        groups: Option<(&Path, &Option<Node>)>,
        defaults: Option<(&Path, &Option<Node>)>,
        errors: &mut Vec<SourceError>,
    ) -> Result<Inventory, SourceError> {
        let mut inv = Inventory::default();
        if let Some((path, doc)) = defaults {
            inv.defaults = match doc {
                Some(d) => element(path, "defaults", d.line, d, "defaults", &mut inv.notes)?,
                None => Element::default(),
            };
        }
        if let Some((path, doc)) = groups {
            let entries = top(path, doc)?;
            if entries.len() > MAX_GROUPS {
                return Err(located(
                    path,
                    0,
                    "",
                    format!("more than {MAX_GROUPS} groups"),
                ));
            }
            for (name, line, node) in entries {
                match element(path, name, line, node, "group", &mut inv.notes) {
                    Ok(g) => {
                        inv.groups.insert(name.to_owned(), g);
                    }
                    Err(e) => errors.push(e),
                }
            }
        }
        let (path, doc) = hosts;
        let entries = top(path, doc)?;
        if entries.len() > MAX_DEVICES {
            let message = format!("more than {MAX_DEVICES} hosts");
            return Err(located(path, 0, "", message));
        }
        for (name, line, node) in entries {
            match element(path, name, line, node, "host", &mut inv.notes) {
                Ok(h) => inv.hosts.push(h),
                Err(e) => errors.push(e),
            }
        }
        Ok(inv)
    }
}

/// Groups with their inheritance worked out once: each good group's extended groups and, per
/// connection plugin, its resolved options; each bad group's error.
pub(super) struct Resolved<'a> {
    inv: &'a Inventory,
    extended: HashMap<&'a str, Vec<&'a str>>,
    bad: HashMap<&'a str, SourceError>,
    /// Groups in an order where every group comes after its parent groups.
    order: Vec<&'a str>,
    connections: HashMap<(&'a str, String), ConnectionOptions>,
}

impl<'a> Resolved<'a> {
    pub fn new(inv: &'a Inventory) -> Result<Resolved<'a>, SourceError> {
        let mut r = Resolved {
            inv,
            extended: HashMap::new(),
            bad: HashMap::new(),
            order: Vec::new(),
            connections: HashMap::new(),
        };
        r.walk();
        r.extend()?;
        Ok(r)
    }

    /// Depth-first over parent links without recursion (a hostile chain is deep): finds
    /// cycles and unknown groups, and orders parents first.
    fn walk(&mut self) {
        let inv = self.inv;
        let mut names: Vec<&str> = inv.groups.keys().map(String::as_str).collect();
        names.sort_by_key(|n| inv.groups[*n].line);
        // 1: on the path being walked, 2: done.
        let mut state: HashMap<&str, u8> = HashMap::new();
        for start in names {
            if state.contains_key(start) {
                continue;
            }
            let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
            state.insert(start, 1);
            while let Some((group, next)) = stack.last_mut() {
                let group: &str = group;
                let parents = &inv.groups[group].groups;
                if *next >= parents.len() {
                    stack.pop();
                    state.insert(group, 2);
                    self.order.push(group);
                    continue;
                }
                let (parent, at) = &parents[*next];
                *next += 1;
                let Some((parent, _)) = inv.groups.get_key_value(parent.as_str()) else {
                    let message = format!("group `{parent}` is not in the groups file");
                    let err = error_at(at, &format!("{group}.groups"), message);
                    self.bad.entry(group).or_insert(err);
                    continue;
                };
                let parent = parent.as_str();
                match state.get(parent) {
                    None => {
                        state.insert(parent, 1);
                        stack.push((parent, 0));
                    }
                    Some(1) => {
                        let from = stack.iter().position(|(g, _)| *g == parent).unwrap_or(0);
                        let mut chain: Vec<&str> = stack[from..].iter().map(|(g, _)| *g).collect();
                        chain.push(parent);
                        let message = format!(
                            "groups form a cycle: {}; Nornir cannot resolve hosts in them \
                             (RecursionError)",
                            chain.join(" -> ")
                        );
                        let err = error_at(at, &format!("{group}.groups"), message);
                        self.bad.entry(group).or_insert(err);
                    }
                    Some(_) => {}
                }
            }
        }
        // A group that reaches a bad one is bad for the same reason.
        for i in 0..self.order.len() {
            let group = self.order[i];
            if self.bad.contains_key(group) {
                continue;
            }
            let inherited = inv.groups[group]
                .groups
                .iter()
                .find_map(|(p, _)| self.bad.get(p.as_str()).cloned());
            if let Some(err) = inherited {
                self.bad.insert(group, err);
            }
        }
        // Members of a cycle are walked before the group that closes it: settle them too.
        loop {
            let more: Vec<(&str, SourceError)> = self
                .order
                .iter()
                .filter(|g| !self.bad.contains_key(**g))
                .filter_map(|g| {
                    inv.groups[*g]
                        .groups
                        .iter()
                        .find_map(|(p, _)| self.bad.get(p.as_str()).cloned())
                        .map(|e| (*g, e))
                })
                .collect();
            if more.is_empty() {
                break;
            }
            self.bad.extend(more);
        }
    }

    /// Each good group's extended groups, parents first so each list is built from ready
    /// ones. A deep chain makes these lists quadratic in size: a budget bounds them.
    fn extend(&mut self) -> Result<(), SourceError> {
        let inv = self.inv;
        let mut work = 0usize;
        for &group in &self.order {
            if self.bad.contains_key(group) {
                continue;
            }
            let mut out = Ordered::default();
            for (parent, _) in &inv.groups[group].groups {
                let parent = inv
                    .groups
                    .get_key_value(parent.as_str())
                    .map(|(k, _)| k.as_str())
                    .unwrap_or_default();
                out.push(parent);
                for g in self.extended.get(parent).map(Vec::as_slice).unwrap_or(&[]) {
                    out.push(g);
                }
                work += out.list.len();
                if work > MAX_GROUP_WORK {
                    let g = &inv.groups[group];
                    return Err(located(
                        &g.path,
                        g.line,
                        "",
                        "the group structure is too large to resolve (Nornir's own recursion \
                         stops far earlier)",
                    ));
                }
            }
            self.extended.insert(group, out.list);
        }
        Ok(())
    }

    /// The host's extended groups, or the error of the first bad group it names.
    pub fn host_groups(&self, host: &'a Element) -> Result<Vec<&'a str>, SourceError> {
        let mut out = Ordered::default();
        for (group, at) in &host.groups {
            let Some((group, _)) = self.inv.groups.get_key_value(group.as_str()) else {
                if self.inv.groups_unread {
                    continue;
                }
                let message = format!(
                    "group `{group}` is not in the groups file (Nornir fails to load the \
                     inventory with KeyError)"
                );
                return Err(error_at(at, &format!("{}.groups", host.name), message));
            };
            if let Some(err) = self.bad.get(group.as_str()) {
                return Err(err.clone());
            }
            out.push(group);
            for g in &self.extended[group.as_str()] {
                out.push(g);
            }
        }
        Ok(out.list)
    }

    /// An attribute as Nornir resolves it for `host` with extended groups `groups`.
    pub fn attribute(&self, host: &'a Element, groups: &[&str], name: &str) -> Option<&'a Arg> {
        host.attrs
            .get(name)
            .or_else(|| {
                groups
                    .iter()
                    .find_map(|g| self.inv.groups[*g].attrs.get(name))
            })
            .or_else(|| self.inv.defaults.attrs.get(name))
    }

    /// `connection_options[plugin]` resolved for `host` (whose groups are all good).
    pub fn connection(&mut self, host: &'a Element, plugin: &str) -> ConnectionOptions {
        let mut own = host.connections.get(plugin).cloned().unwrap_or_default();
        for (group, _) in &host.groups {
            own.fill(&self.group_connection(group, plugin));
        }
        if let Some(d) = self.inv.defaults.connections.get(plugin) {
            own.fill(d);
        }
        own
    }

    /// A group's resolution, computed for every group in parent-first order the first time a
    /// plugin is asked for.
    fn group_connection(&mut self, group: &'a str, plugin: &str) -> ConnectionOptions {
        let inv = self.inv;
        if !self.connections.contains_key(&(group, plugin.to_owned())) {
            for &g in &self.order {
                if self.bad.contains_key(g) {
                    continue;
                }
                let element = &inv.groups[g];
                let mut own = element.connections.get(plugin).cloned().unwrap_or_default();
                for (parent, _) in &element.groups {
                    if let Some(p) = self.connections.get(&(parent.as_str(), plugin.to_owned())) {
                        own.fill(p);
                    }
                }
                if let Some(d) = inv.defaults.connections.get(plugin) {
                    own.fill(d);
                }
                self.connections.insert((g, plugin.to_owned()), own);
            }
        }
        self.connections
            .get(&(group, plugin.to_owned()))
            .cloned()
            .unwrap_or_default()
    }
}

/// A list without repeats, in the order first pushed.
#[derive(Default)]
struct Ordered<'a> {
    list: Vec<&'a str>,
    seen: std::collections::HashSet<&'a str>,
}

impl<'a> Ordered<'a> {
    fn push(&mut self, item: &'a str) {
        if self.seen.insert(item) {
            self.list.push(item);
        }
    }
}
