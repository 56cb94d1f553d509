//! Ansible's YAML inventory: top-level groups (usually `all`), each with `hosts`, `vars` and
//! `children`. Unexpected keys are skipped with a warning, as Ansible does.

use super::super::ValueSource;
use super::super::read::located;
use super::super::yaml::{self, Node};
use super::{Graph, Value, Var, hostpattern};
use crate::sources::SourceError;
use std::path::Path;

/// Groups nest a few levels in practice; this bounds recursion on hostile input.
const MAX_GROUP_DEPTH: usize = 32;

pub(super) fn parse(path: &Path, text: &str) -> Result<Graph, SourceError> {
    let mut graph = Graph::new(path);
    let Some(doc) = yaml::parse(path, text)? else {
        return Err(located(path, 0, "", "empty inventory: no hosts"));
    };
    if !doc.is_map() {
        return Err(located(
            path,
            doc.line,
            "",
            format!(
                "expected groups (a mapping) at the top, found {}",
                doc.describe()
            ),
        ));
    }
    for (name, line, data) in doc.entries_lined() {
        let group = graph.group(name, line)?;
        parse_group(&mut graph, group, data, 0)?;
    }
    Ok(graph)
}

fn parse_group(
    graph: &mut Graph,
    group: usize,
    data: &Node,
    depth: usize,
) -> Result<(), SourceError> {
    let path = graph.path.clone();
    let name = graph.groups[group].name.clone();
    if depth > MAX_GROUP_DEPTH {
        return Err(located(&path, data.line, "", "groups nested too deep"));
    }
    if data.is_null() {
        return Ok(());
    }
    if !data.is_map() {
        graph.warnings.push(format!(
            "{}:{}: skipping `{name}`: a group is a mapping, this is {}",
            path.display(),
            data.line,
            data.describe()
        ));
        return Ok(());
    }
    for (key, line, section) in data.entries_lined() {
        if !section.is_null() && !section.is_map() {
            let message = format!(
                "`{key}` of group `{name}` must be a mapping, found {}",
                section.describe()
            );
            if ["hosts", "vars", "children"].contains(&key) {
                return Err(located(&path, section.line, key, message));
            }
            graph
                .warnings
                .push(format!("{}:{line}: skipped: {message}", path.display()));
            continue;
        }
        match key {
            "vars" => {
                for (var, vline, value) in section.entries_lined() {
                    graph.groups[group]
                        .vars
                        .insert(var.to_owned(), var_at(&path, vline, value));
                }
            }
            "children" => {
                for (child_name, cline, child_data) in section.entries_lined() {
                    let child = graph.group(child_name, cline)?;
                    graph.add_child(group, child, cline)?;
                    parse_group(graph, child, child_data, depth + 1)?;
                }
            }
            "hosts" => {
                for (pattern, hline, host_vars) in section.entries_lined() {
                    // Ansible fails on these too ("string indices must be integers"): often
                    // a file cut short after the host's name.
                    if !host_vars.is_null() && !host_vars.is_map() {
                        return Err(located(
                            &path,
                            host_vars.line,
                            "hosts",
                            format!(
                                "the variables of host `{pattern}` must be a mapping, found {} \
                                 (a file cut short?)",
                                host_vars.describe()
                            ),
                        ));
                    }
                    let (names, port) = hostpattern::expand(pattern)
                        .map_err(|e| located(&path, hline, "hosts", e))?;
                    for host_name in names {
                        let host = graph.host(&host_name, hline)?;
                        graph.add_host_to(group, host);
                        let vars = &mut graph.hosts[host].vars;
                        if let Some(port) = port {
                            let source = ValueSource::file(&path, hline);
                            let var = Var {
                                value: Value::Text(port.to_string()),
                                source,
                            };
                            Graph::set_var(vars, "ansible_port", var);
                        }
                        for (var, vline, value) in host_vars.entries_lined() {
                            Graph::set_var(vars, var, var_at(&path, vline, value));
                        }
                    }
                }
            }
            _ => graph.warnings.push(format!(
                "{}:{line}: skipping unexpected key `{key}` in group `{name}` (only vars, \
                 children and hosts are valid)",
                path.display()
            )),
        }
    }
    Ok(())
}

fn var_at(path: &Path, line: usize, node: &Node) -> Var {
    Var {
        value: Value::from_node(node),
        source: ValueSource::file(path, line),
    }
}
