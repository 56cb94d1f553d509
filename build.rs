//! Embeds every profile file under `profiles/platforms` and `profiles/clients`: a new file
//! there is part of the next build, with no list to keep by hand.

use std::fs;
use std::path::Path;

fn main() {
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let mut code = String::new();
    for (constant, dir) in [
        ("PLATFORM_PROFILE_FILES", "profiles/platforms"),
        ("CLIENT_PROFILE_FILES", "profiles/clients"),
    ] {
        // A directory: cargo reruns this script when anything inside it changes.
        println!("cargo:rerun-if-changed={dir}");
        let mut files: Vec<String> = fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("cannot read {dir}: {e}"))
            .filter_map(|entry| entry.ok())
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".toml"))
            .collect();
        files.sort();
        code.push_str(&format!(
            "/// Every `{dir}/*.toml`, as (file name, text), by file name.\n\
             pub const {constant}: &[(&str, &str)] = &[\n"
        ));
        for name in files {
            let path = Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"))
                .join(dir)
                .join(&name);
            code.push_str(&format!(
                "    ({name:?}, include_str!({:?})),\n",
                path.display().to_string()
            ));
        }
        code.push_str("];\n");
    }
    fs::write(Path::new(&out).join("embedded_profiles.rs"), code)
        .expect("cannot write the embedded profile list");
}
