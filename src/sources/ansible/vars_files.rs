//! `group_vars/<group>` and `host_vars/<host>` beside an inventory: a file named after the
//! entity (no extension, `.yml`, `.yaml` or `.json`, all loaded in that order), or a directory
//! of such files read in sorted order.

use super::super::ValueSource;
use super::super::read::{located, read_text};
use super::super::yaml;
use super::{Replaced, Value, Var, Vars};
use crate::sources::SourceError;
use std::path::{Path, PathBuf};

const EXTENSIONS: [&str; 4] = ["", ".yml", ".yaml", ".json"];
/// Bounds what one entity's vars directory can make us read.
const MAX_FILES: usize = 256;
const MAX_DIR_DEPTH: usize = 8;

/// The variables for `name` under `dir/kind/` (kind: `group_vars` or `host_vars`), later
/// files winning. A `replaced` file is read with its given text, and found even when it does
/// not exist yet.
pub(super) fn load(
    dir: &Path,
    kind: &str,
    name: &str,
    warnings: &mut Vec<String>,
    replaced: Option<Replaced>,
) -> Result<Vars, SourceError> {
    let mut vars = Vars::new();
    // A name that is not a plain file name must not lead outside the vars directory.
    if name.is_empty() || name.starts_with('.') || name.contains(['/', '\\']) {
        return Ok(vars);
    }
    let base = dir.join(kind).join(name);
    let mut files = Vec::new();
    let is_replaced = |p: &Path| replaced.is_some_and(|r| r.path == p);
    if base.is_dir() {
        collect(&base, 0, &mut files, replaced);
    } else {
        for ext in EXTENSIONS {
            let candidate = PathBuf::from(format!("{}{ext}", base.display()));
            // Anything there but a directory is read, so a FIFO or a device is refused by
            // name rather than skipped in silence (or, before, read until it ends).
            if candidate.exists() || is_replaced(&candidate) {
                files.push(candidate);
            }
        }
    }
    for file in files.iter().take(MAX_FILES) {
        let text = match replaced.filter(|r| r.path == file) {
            Some(r) => r.text.to_owned(),
            None => read_text(file)?,
        };
        read_vars(file, &text, &mut vars, warnings)?;
    }
    Ok(vars)
}

fn collect(dir: &Path, depth: usize, out: &mut Vec<PathBuf>, replaced: Option<Replaced>) {
    if depth > MAX_DIR_DEPTH || out.len() >= MAX_FILES {
        return;
    }
    let Ok(listing) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = listing
        .take(MAX_FILES)
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    if let Some(r) = replaced
        && r.path.parent() == Some(dir)
        && !entries.iter().any(|e| e == r.path)
    {
        entries.push(r.path.to_path_buf());
    }
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            collect(&entry, depth + 1, out, replaced);
        } else {
            let ext = entry
                .extension()
                .map(|e| format!(".{}", e.to_string_lossy()))
                .unwrap_or_default();
            if EXTENSIONS.contains(&ext.as_str()) {
                out.push(entry);
            }
        }
    }
}

fn read_vars(
    file: &Path,
    text: &str,
    vars: &mut Vars,
    warnings: &mut Vec<String>,
) -> Result<(), SourceError> {
    if text.trim_start().starts_with("$ANSIBLE_VAULT;") {
        warnings.push(format!(
            "{}: the whole file is vault-encrypted; sshtriage does not decrypt vault, so its \
             variables are not used (give the values sshtriage needs in an sshtriage.toml \
             [defaults] with password_env / enable_secret_env)",
            file.display()
        ));
        return Ok(());
    }
    let Some(doc) = yaml::parse(file, text)? else {
        return Ok(());
    };
    if !doc.is_map() {
        return Err(located(
            file,
            doc.line,
            "",
            format!(
                "a vars file holds a mapping of variables, found {}",
                doc.describe()
            ),
        ));
    }
    for (key, line, value) in doc.entries_lined() {
        let var = Var {
            value: Value::from_node(value),
            source: ValueSource::file(file, line),
        };
        super::Graph::set_var(vars, key, var);
    }
    Ok(())
}
