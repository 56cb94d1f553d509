//! Ansible inventories, YAML and INI, with `group_vars/` and `host_vars/` beside them.
//!
//! Variables combine in Ansible's order: the `all` group, then every other group of the host
//! sorted by (depth, ansible_group_priority, name) — first the inventory file's group vars,
//! then group_vars/ files — then the host's inventory vars, then host_vars/ files. Later wins.
//! Vault-encrypted and Jinja-templated values are reported, never used.

mod config;
mod device;
mod hostpattern;
mod ini;
mod vars_files;
mod yaml_inv;

pub(in crate::sources) use device::env_lookup;
pub(crate) use ini::shell_word_spans;

use super::read::{located, read_text};
use super::yaml::{Kind, Node};
use super::{Format, Loaded, ValueSource};
use crate::profile::Profiles;
use crate::sources::SourceError;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// A variable's value as far as sshtriage cares.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    /// `!vault |` or a `$ANSIBLE_VAULT;…` string: encrypted, never read.
    Vault,
    /// Contains `{{ … }}` or `{% … %}`: Jinja, not evaluated.
    Template(String),
    /// A list or mapping.
    Structured(&'static str),
}

impl Value {
    /// Classifies text; `unsafe_tag` (Ansible's `!unsafe`) means it is never templated.
    fn from_text(text: &str, unsafe_tag: bool) -> Value {
        if text.trim_start().starts_with("$ANSIBLE_VAULT;") {
            Value::Vault
        } else if !unsafe_tag && (text.contains("{{") || text.contains("{%")) {
            Value::Template(text.to_owned())
        } else {
            Value::Text(text.to_owned())
        }
    }

    fn from_node(node: &Node) -> Value {
        let tag = node.tag.as_deref();
        if tag == Some("!vault") {
            return Value::Vault;
        }
        match &node.kind {
            Kind::Scalar { .. } if node.is_null() => Value::Text(String::new()),
            Kind::Scalar { text, .. } => Value::from_text(text, tag == Some("!unsafe")),
            Kind::Seq(_) => Value::Structured("a list"),
            Kind::Map(_) => Value::Structured("a mapping"),
        }
    }
}

/// Per device, its groups as (name, defining line); hosts in the same groups share one list.
pub(super) type HostGroups = Vec<GroupList>;
pub(super) type GroupList = Rc<[(String, usize)]>;

/// A variable's value and the line that set it.
#[derive(Debug, Clone)]
pub struct Var {
    pub value: Value,
    pub source: ValueSource,
}

/// A vars file read with this text instead of its bytes on disk (it need not exist yet): an
/// editor checks what its change would mean before writing it.
#[derive(Debug, Clone, Copy)]
pub struct Replaced<'a> {
    pub path: &'a Path,
    pub text: &'a str,
}

/// One host's connection variables as Ansible combines them, each with its file:line.
#[derive(Debug, Clone)]
pub struct HostVariables {
    /// The inventory line that first names the host.
    pub line: usize,
    /// Only the variables sshtriage reads (connection, address, user, ssh args, …).
    pub vars: BTreeMap<String, Var>,
}

pub(super) type Vars = BTreeMap<String, Var>;

#[derive(Debug, Default)]
pub(super) struct Group {
    pub name: String,
    pub line: usize,
    pub vars: Vars,
    pub children: Vec<usize>,
    pub parents: Vec<usize>,
}

#[derive(Debug)]
pub(super) struct Host {
    pub name: String,
    pub line: usize,
    pub vars: Vars,
    /// Groups that list the host directly.
    pub groups: Vec<usize>,
}

/// Far beyond any real inventory; bounds the group graph's cost on hostile input.
const MAX_GROUPS: usize = 10_000;

/// The inventory's groups and hosts before variables are combined. Group 0 is `all`.
#[derive(Debug)]
pub(super) struct Graph {
    pub path: PathBuf,
    pub groups: Vec<Group>,
    pub hosts: Vec<Host>,
    pub warnings: Vec<String>,
    group_index: HashMap<String, usize>,
    host_index: HashMap<String, usize>,
}

impl Graph {
    fn new(path: &Path) -> Graph {
        Graph {
            path: path.to_owned(),
            groups: vec![Group {
                name: "all".into(),
                ..Group::default()
            }],
            hosts: Vec::new(),
            warnings: Vec::new(),
            group_index: HashMap::from([("all".to_owned(), 0)]),
            host_index: HashMap::new(),
        }
    }

    pub fn group(&mut self, name: &str, line: usize) -> Result<usize, SourceError> {
        if let Some(i) = self.group_index.get(name) {
            return Ok(*i);
        }
        if self.groups.len() >= MAX_GROUPS {
            return Err(located(
                &self.path,
                line,
                "",
                format!("more than {MAX_GROUPS} groups"),
            ));
        }
        self.groups.push(Group {
            name: name.to_owned(),
            line,
            ..Group::default()
        });
        self.group_index
            .insert(name.to_owned(), self.groups.len() - 1);
        Ok(self.groups.len() - 1)
    }

    pub fn host(&mut self, name: &str, line: usize) -> Result<usize, SourceError> {
        if let Some(i) = self.host_index.get(name) {
            return Ok(*i);
        }
        if self.hosts.len() >= super::MAX_DEVICES {
            let message = format!("more than {} hosts", super::MAX_DEVICES);
            return Err(located(&self.path, line, "", message));
        }
        self.hosts.push(Host {
            name: name.to_owned(),
            line,
            vars: Vars::new(),
            groups: Vec::new(),
        });
        self.host_index
            .insert(name.to_owned(), self.hosts.len() - 1);
        Ok(self.hosts.len() - 1)
    }

    pub fn add_host_to(&mut self, group: usize, host: usize) {
        if !self.hosts[host].groups.contains(&group) {
            self.hosts[host].groups.push(group);
        }
    }

    /// Keeps only the variables sshtriage reads, so a huge vars section costs nothing per host.
    pub fn set_var(vars: &mut Vars, key: &str, var: Var) {
        if device::is_relevant(key) {
            vars.insert(key.to_owned(), var);
        }
    }

    pub fn add_child(
        &mut self,
        parent: usize,
        child: usize,
        line: usize,
    ) -> Result<(), SourceError> {
        if parent == child || self.descends(child, parent) {
            return Err(located(
                &self.path,
                line,
                "",
                format!(
                    "group `{}` as a child of `{}` makes a loop",
                    self.groups[child].name, self.groups[parent].name
                ),
            ));
        }
        if !self.groups[child].parents.contains(&parent) {
            self.groups[child].parents.push(parent);
            self.groups[parent].children.push(child);
        }
        Ok(())
    }

    /// True when `descendant` is reachable from `group` through children.
    fn descends(&self, group: usize, descendant: usize) -> bool {
        let mut stack = vec![group];
        let mut seen = vec![false; self.groups.len()];
        while let Some(g) = stack.pop() {
            if g == descendant {
                return true;
            }
            if !std::mem::replace(&mut seen[g], true) {
                stack.extend(&self.groups[g].children);
            }
        }
        false
    }

    /// As Ansible does after parsing: groups without a parent are children of `all`, hosts in
    /// no group but `all` are in `ungrouped`.
    fn finish(&mut self) -> Result<(), SourceError> {
        for g in 1..self.groups.len() {
            if self.groups[g].parents.is_empty() {
                self.add_child(0, g, self.groups[g].line)?;
            }
        }
        let loose: Vec<usize> = (0..self.hosts.len())
            .filter(|h| self.hosts[*h].groups.iter().all(|g| *g == 0))
            .collect();
        if !loose.is_empty() {
            let ungrouped = self.group("ungrouped", 0)?;
            if self.groups[ungrouped].parents.is_empty() {
                self.add_child(0, ungrouped, 0)?;
            }
            for h in loose {
                self.add_host_to(ungrouped, h);
            }
        }
        Ok(())
    }

    /// Each group's depth: its longest distance from `all` (groups form a DAG: loops were
    /// refused), computed in topological order.
    fn depths(&self) -> Vec<usize> {
        let mut depth = vec![0usize; self.groups.len()];
        let mut waiting: Vec<usize> = self.groups.iter().map(|g| g.parents.len()).collect();
        let mut ready: Vec<usize> = (0..self.groups.len())
            .filter(|g| waiting[*g] == 0)
            .collect();
        while let Some(g) = ready.pop() {
            for &c in &self.groups[g].children {
                depth[c] = depth[c].max(depth[g] + 1);
                waiting[c] -= 1;
                if waiting[c] == 0 {
                    ready.push(c);
                }
            }
        }
        depth
    }

    /// Every group the host belongs to, directly or through children, except `all`.
    fn groups_of(&self, host: usize) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut stack: Vec<usize> = self.hosts[host].groups.clone();
        while let Some(g) = stack.pop() {
            if g != 0 && seen.insert(g) {
                out.push(g);
                stack.extend(&self.groups[g].parents);
            }
        }
        out
    }
}

fn parse_graph(path: &Path, text: &str, format: Format) -> Result<Graph, SourceError> {
    let mut graph = match format {
        Format::AnsibleIni => ini::parse(path, text)?,
        _ => yaml_inv::parse(path, text)?,
    };
    graph.finish()?;
    Ok(graph)
}

pub(super) fn load(
    path: &Path,
    format: Format,
    profiles: &Profiles,
) -> Result<Loaded, SourceError> {
    let text = read_text(path)?;
    let graph = parse_graph(path, &text, format)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    Ok(device::build(&graph, Some(dir), profiles)?.0)
}

/// Inventory text without a file: no group_vars/ or host_vars/ are read.
pub(super) fn parse_text(
    name: &Path,
    text: &str,
    format: Format,
    profiles: &Profiles,
) -> Result<Loaded, SourceError> {
    let graph = parse_graph(name, text, format)?;
    Ok(device::build(&graph, None, profiles)?.0)
}

/// The variables of `host` in the inventory at `path` whose text is `text` (group_vars/ and
/// host_vars/ beside it read as for loading, `replaced` with its given text); None when the
/// inventory does not name the host.
pub fn host_variables(
    path: &Path,
    text: &str,
    format: Format,
    host: &str,
    replaced: Option<Replaced>,
) -> Result<Option<HostVariables>, SourceError> {
    let graph = parse_graph(path, text, format)?;
    let Some(h) = graph.host_index.get(host).copied() else {
        return Ok(None);
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut warnings = Vec::new();
    let (_, vars) = device::Combiner::new(&graph, Some(dir), replaced).host(h, &mut warnings)?;
    Ok(Some(HostVariables {
        line: graph.hosts[h].line,
        vars,
    }))
}

/// A YAML inventory's devices with each one's groups (name, defining line), most specific
/// first. Containerlab names the groups of its generated inventory after node kinds.
pub(super) fn load_with_groups(
    path: &Path,
    profiles: &Profiles,
) -> Result<(Loaded, HostGroups), SourceError> {
    let text = read_text(path)?;
    let graph = parse_graph(path, &text, Format::AnsibleYaml)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    device::build(&graph, Some(dir), profiles)
}

#[cfg(test)]
mod tests;
