//! Writing allow-list values into one device's entry of a TOML inventory with toml_edit, so
//! every comment, blank line and unrelated key stays as the user wrote it.

use std::path::{Path, PathBuf};

use toml_edit::{DocumentMut, Item, Table, TableLike, Value};

use super::FixError;
use super::diff::line_changes;
use crate::algorithms::allowlist::Category;
use crate::model::FileLine;

/// An inventory is text a person maintains; anything larger is not one.
pub const MAX_INVENTORY_BYTES: usize = 4 << 20;

/// The new text of an inventory and how it differs from the original.
#[derive(Clone, PartialEq, Eq)]
pub struct InventoryEdit {
    pub path: PathBuf,
    /// The file's bytes when it was read; the write checks they are still there.
    pub original: Vec<u8>,
    pub updated: String,
    /// Lines that go, numbered in the original.
    pub removed: Vec<FileLine>,
    /// Lines that come, numbered in the new text.
    pub added: Vec<FileLine>,
}

/// Without the texts: an inventory may hold plaintext secrets, and Debug output ends up in
/// logs and test failures. The changed lines are allow-list values only.
impl std::fmt::Debug for InventoryEdit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InventoryEdit")
            .field("path", &self.path)
            .field("original_bytes", &self.original.len())
            .field("updated_bytes", &self.updated.len())
            .field("removed", &self.removed)
            .field("added", &self.added)
            .finish()
    }
}

/// Reads the inventory, bounded.
pub fn read_inventory(path: &Path) -> Result<Vec<u8>, FixError> {
    let meta = std::fs::metadata(path).map_err(|source| FixError::Io {
        action: "cannot read",
        path: path.to_path_buf(),
        source,
    })?;
    if !meta.is_file() {
        return Err(FixError::NotRegularFile(path.to_path_buf()));
    }
    if meta.len() > MAX_INVENTORY_BYTES as u64 {
        return Err(FixError::Inventory(format!(
            "{} is larger than {} MiB; refusing to edit it",
            path.display(),
            MAX_INVENTORY_BYTES >> 20
        )));
    }
    crate::files::read_bounded(path, MAX_INVENTORY_BYTES as u64).map_err(|e| {
        use crate::files::ReadError;
        match e {
            ReadError::NotRegular { .. } => FixError::NotRegularFile(path.to_path_buf()),
            ReadError::Io { source, .. } => FixError::Io {
                action: "cannot read",
                path: path.to_path_buf(),
                source,
            },
            e => FixError::Inventory(e.to_string()),
        }
    })
}

/// Sets the `algorithms` keys of the `[[device]]` named `device` to `specs`: existing keys
/// get the new value (their comments kept), missing ones are added, a missing table is
/// created as `[device.algorithms]` right under the device.
pub fn set_algorithms(
    path: &Path,
    original: &[u8],
    device: &str,
    specs: &[(Category, String)],
) -> Result<InventoryEdit, FixError> {
    let text = std::str::from_utf8(original)
        .map_err(|_| FixError::Inventory(format!("{} is not UTF-8 text", path.display())))?;
    let mut doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        FixError::Inventory(format!("{}: {}", path.display(), e.message()))
    })?;
    let entry = device_table(&mut doc, device).ok_or_else(|| {
        FixError::Inventory(format!(
            "{}: no [[device]] table named \"{device}\" (devices written as inline tables cannot be edited; add the allow-list by hand)",
            path.display()
        ))
    })?;
    match entry.get_mut("algorithms") {
        None => {
            let mut table = Table::new();
            for (category, spec) in specs {
                table.insert(category.key(), toml_edit::value(spec.as_str()));
            }
            entry.insert("algorithms", Item::Table(table));
        }
        Some(item) => {
            let is_inline = item.is_inline_table();
            let table = item.as_table_like_mut().ok_or_else(|| {
                FixError::Inventory(format!(
                    "{}: `algorithms` of \"{device}\" is not a table",
                    path.display()
                ))
            })?;
            for (category, spec) in specs {
                set_value(table, category.key(), spec);
            }
            if is_inline && let Some(inline) = item.as_inline_table_mut() {
                // Inline tables hold no comments; normalised spacing reads better than the
                // old last element's padding in the middle.
                inline.fmt();
            }
        }
    }
    let updated = doc.to_string();
    let file = path.display().to_string();
    let (removed, added) = line_changes(text, &updated);
    let numbered = |lines: Vec<(usize, &str)>| -> Vec<FileLine> {
        lines
            .into_iter()
            .map(|(line, text)| FileLine {
                file: file.clone(),
                line,
                text: text.to_owned(),
            })
            .collect()
    };
    Ok(InventoryEdit {
        path: path.to_path_buf(),
        original: original.to_vec(),
        removed: numbered(removed),
        added: numbered(added),
        updated,
    })
}

/// The `[[device]]` whose `name` is `device`, or without a name, whose `host` is (the
/// loader names such devices after their host).
fn device_table<'d>(doc: &'d mut DocumentMut, device: &str) -> Option<&'d mut Table> {
    let devices = doc.get_mut("device")?.as_array_of_tables_mut()?;
    devices.iter_mut().find(|t| {
        let text = |key: &str| t.get(key).and_then(Item::as_str);
        match text("name") {
            Some(name) => name == device,
            None => text("host") == Some(device),
        }
    })
}

/// Replaces the value under `key` keeping what surrounds it (a trailing comment), or adds it.
fn set_value(table: &mut dyn TableLike, key: &str, spec: &str) {
    let mut value = Value::from(spec);
    if let Some(old) = table.get(key).and_then(Item::as_value) {
        *value.decor_mut() = old.decor().clone();
    }
    table.insert(key, Item::Value(value));
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLEET: &str = r#"# lab fleet — keep this header
[defaults]
username = "admin" # everyone

[[device]]
name = "r1"   # core
host = "10.0.0.1"

# the old IOS box
[[device]]
name = "old"
host = "10.0.0.2"
port = 2222 # odd port

[[device]]
name = "r3"
host = "10.0.0.3"
[device.algorithms]
kex = "+diffie-hellman-group14-sha1"  # needed since 2019
mac = "hmac-sha1"

[[device]]
host = "10.0.0.4"
algorithms = { kex = "+diffie-hellman-group14-sha1" }
"#;

    fn edit(device: &str, specs: &[(Category, &str)]) -> InventoryEdit {
        let specs: Vec<(Category, String)> =
            specs.iter().map(|(c, s)| (*c, (*s).to_owned())).collect();
        set_algorithms(Path::new("fleet.toml"), FLEET.as_bytes(), device, &specs)
            .unwrap_or_else(|e| panic!("edit {device}: {e}"))
    }

    #[test]
    fn adds_a_table_under_the_device_and_nothing_else_moves() {
        let e = edit(
            "old",
            &[
                (Category::Kex, "+diffie-hellman-group14-sha1"),
                (Category::Cipher, "+aes128-cbc"),
            ],
        );
        let expected = FLEET.replace(
            "port = 2222 # odd port\n",
            "port = 2222 # odd port\n\n[device.algorithms]\nkex = \"+diffie-hellman-group14-sha1\"\ncipher = \"+aes128-cbc\"\n",
        );
        assert_eq!(e.updated, expected);
        assert!(e.removed.is_empty());
        let added: Vec<(usize, &str)> = e.added.iter().map(|l| (l.line, l.text.as_str())).collect();
        assert_eq!(
            added,
            vec![
                (14, ""),
                (15, "[device.algorithms]"),
                (16, "kex = \"+diffie-hellman-group14-sha1\""),
                (17, "cipher = \"+aes128-cbc\""),
            ]
        );
        assert_eq!(e.added[0].file, "fleet.toml");
    }

    #[test]
    fn merges_into_an_existing_table_keeping_its_comments() {
        let e = edit(
            "r3",
            &[
                (
                    Category::Kex,
                    "+diffie-hellman-group14-sha1,diffie-hellman-group1-sha1",
                ),
                (Category::Cipher, "+aes128-cbc"),
            ],
        );
        let expected = FLEET.replace(
            "kex = \"+diffie-hellman-group14-sha1\"  # needed since 2019\nmac = \"hmac-sha1\"\n",
            "kex = \"+diffie-hellman-group14-sha1,diffie-hellman-group1-sha1\"  # needed since 2019\nmac = \"hmac-sha1\"\ncipher = \"+aes128-cbc\"\n",
        );
        assert_eq!(e.updated, expected);
        assert_eq!(e.removed.len(), 1);
        assert_eq!(e.removed[0].line, 19);
        assert_eq!(e.added.len(), 2);
    }

    #[test]
    fn an_unnamed_device_is_found_by_host_and_inline_tables_stay_inline() {
        let e = edit("10.0.0.4", &[(Category::Mac, "+hmac-sha1")]);
        assert!(
            e.updated.ends_with(
                "algorithms = { kex = \"+diffie-hellman-group14-sha1\", mac = \"+hmac-sha1\" }\n"
            ),
            "{}",
            e.updated
        );
        assert_eq!(
            e.updated.lines().count(),
            FLEET.lines().count(),
            "one line changed in place"
        );
    }

    #[test]
    fn debug_output_leaves_the_texts_out() {
        let text = format!("{FLEET}password = \"hunter2-canary\"\n");
        let specs = [(Category::Mac, "+hmac-sha1".to_owned())];
        let e =
            set_algorithms(Path::new("f.toml"), text.as_bytes(), "10.0.0.4", &specs).expect("edit");
        assert!(e.updated.contains("hunter2-canary"));
        assert!(!format!("{e:?}").contains("hunter2-canary"), "{e:?}");
    }

    #[test]
    fn unknown_devices_and_broken_files_are_errors() {
        let specs = [(Category::Kex, "+x".to_owned())];
        let err = set_algorithms(Path::new("f.toml"), FLEET.as_bytes(), "nope", &specs)
            .expect_err("no such device");
        assert!(
            err.to_string()
                .contains("no [[device]] table named \"nope\""),
            "{err}"
        );
        let err =
            set_algorithms(Path::new("f.toml"), b"[[device]\n", "x", &specs).expect_err("bad TOML");
        assert!(err.to_string().starts_with("f.toml: "), "{err}");
        let err =
            set_algorithms(Path::new("f.toml"), &[0xff, 0xfe], "x", &specs).expect_err("not text");
        assert!(err.to_string().contains("UTF-8"), "{err}");
    }
}
