//! Containerlab's JSON files (issue 14 item 6): `topology-data.json` and `clab inspect` output
//! are read as JSON in place, not as YAML. The same devices and `file:line` come from a
//! pretty-printed file and from one line; loading takes little beyond the file's text; hostile
//! files fail at their line with a clear cause.

mod support;

use sshtriage::profile::Profiles;
use sshtriage::sources::{Field, Format, Loaded, SourceError, load, load_text};
use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// Counts the bytes held, and the most held since `reset_peak`.
struct Counting;

static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// The memory test measures the whole process: the others wait for it.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let held = HELD.fetch_add(layout.size(), Relaxed) + layout.size();
        PEAK.fetch_max(held, Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        HELD.fetch_sub(layout.size(), Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Counted as the old and the new block at once, as a moving realloc holds them.
        let held = HELD.fetch_add(new_size, Relaxed) + new_size;
        PEAK.fetch_max(held, Relaxed);
        HELD.fetch_sub(layout.size(), Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// A lab of `n` SR Linux nodes with management addresses, and one node of each other shape
/// the loader reads: IPv6 only, a published SSH port, a bridge, no kind, an unknown kind, no
/// address, a name with escapes. Keys in Containerlab's order, values as it writes them.
fn lab(n: usize) -> serde_json::Value {
    let mut nodes = serde_json::Map::new();
    let node = |name: &str, kind: Option<&str>, v4: &str, v6: &str, bindings: serde_json::Value| {
        let mut node = serde_json::json!({
            "index": "0", "shortname": name, "longname": format!("clab-big-{name}"),
            "fqdn": format!("{name}.big.io"), "group": "", "labdir": "/home/lab/clab-big",
            "image": "ghcr.io/nokia/srlinux:24.10", "mgmt-net": "", "mgmt-intf": "",
            "mgmt-ipv4-address": v4, "mgmt-ipv4-prefix-length": 8,
            "mgmt-ipv6-address": v6, "mgmt-ipv6-prefix-length": 0, "mac-address": "",
            "labels": {"clab-node-kind": kind, "containerlab": "big"},
            "port-bindings": bindings,
        });
        if let Some(kind) = kind {
            node["kind"] = kind.into();
        }
        node
    };
    for i in 0..n {
        let v4 = format!("127.0.{}.{}", i / 250, i % 250 + 1);
        let v = node(
            &format!("srl{i:05}"),
            Some("nokia_srlinux"),
            &v4,
            "",
            serde_json::json!([]),
        );
        nodes.insert(format!("srl{i:05}"), v);
    }
    let ssh = serde_json::json!([
        {"host-ip": "0.0.0.0", "host-port": 8080, "port": 80, "protocol": "tcp"},
        {"host-ip": "", "host-port": 2206, "port": 22, "protocol": "tcp"}
    ]);
    for (name, kind, v4, v6, bindings) in [
        (
            "v6only",
            Some("arista_ceos"),
            "",
            "::1",
            serde_json::json!([]),
        ),
        ("crpd", Some("juniper_crpd"), "", "", ssh),
        ("br", Some("bridge"), "", "", serde_json::json!([])),
        ("nokind", None, "127.1.0.1", "", serde_json::json!([])),
        (
            "odd",
            Some("odd_kind"),
            "127.1.0.2",
            "",
            serde_json::json!([]),
        ),
        ("noaddr", Some("linux"), "", "", serde_json::json!([])),
        (
            "r\"é\\1",
            Some("cisco_iol"),
            "127.1.0.3",
            "",
            serde_json::json!([]),
        ),
    ] {
        nodes.insert(name.to_owned(), node(name, kind, v4, v6, bindings));
    }
    serde_json::json!({
        "name": "big", "type": "clab", "clab": {"config": {"prefix": "clab"}},
        "ssh-pub-keys": [], "nodes": nodes, "links": [],
    })
}

fn write(dir: &Path, rel: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

fn profiles() -> Profiles {
    Profiles::embedded()
}

/// The line of the first occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in the text"));
    text[..at].matches('\n').count() + 1
}

/// Each device as `name host:port profile user`, and where its name, host and profile came
/// from (`file:line`).
fn listing(loaded: &Loaded, file: &Path) -> Vec<(String, [String; 3])> {
    let at = |p: &sshtriage::sources::Provenance, f: Field| {
        let source = p.get(f).map(|s| s.to_string()).unwrap_or_default();
        source.replace(&file.display().to_string(), "F")
    };
    loaded
        .devices
        .iter()
        .map(|(d, p)| {
            let user = d.username.as_deref().unwrap_or("-");
            let what = format!("{} {}:{} {} {user}", d.name, d.host, d.port, d.profile);
            let origin = match &d.origin {
                sshtriage::device::Origin::File { line, .. } => format!("F:{line}"),
                other => other.to_string(),
            };
            (what, [origin, at(p, Field::Host), at(p, Field::Profile)])
        })
        .collect()
}

#[test]
fn pretty_and_one_line_files_give_the_same_devices_and_lines() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let doc = lab(50);
    let pretty_text = serde_json::to_string_pretty(&doc).unwrap();
    let pretty = write(dir.path(), "p/topology-data.json", &pretty_text);
    let one = write(dir.path(), "o/topology-data.json", &doc.to_string());
    let pretty_loaded = load(&pretty, None, &profiles()).unwrap();
    let one_loaded = load(&one, None, &profiles()).unwrap();
    let pretty_list = listing(&pretty_loaded, &pretty);
    let one_list = listing(&one_loaded, &one);
    // The bridge is not a device.
    assert_eq!(pretty_list.len(), 56);
    let devices = |l: &[(String, [String; 3])]| l.iter().map(|d| d.0.clone()).collect::<Vec<_>>();
    assert_eq!(devices(&pretty_list), devices(&one_list));
    for (what, lines) in &one_list {
        let expected = ["F:1", "F:1", "F:1"];
        // A node without a kind has no profile from the file.
        let lines: Vec<&str> = lines
            .iter()
            .map(|l| l.as_str())
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(lines, expected[..lines.len()], "{what}");
    }
    let find = |name: &str| {
        pretty_list
            .iter()
            .find(|d| d.0.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no {name}"))
    };
    let node_line = |name: &str| line_of(&pretty_text, &format!("\n    {name}: {{")) + 1;
    let after = |name: &str, needle: &str| {
        let from = pretty_text.find(&format!("\n    {name}: {{")).unwrap();
        node_line(name) + line_of(&pretty_text[from + 1..], needle) - 1
    };
    let srl = find("srl00042");
    assert_eq!(srl.0, "srl00042 127.0.0.43:22 nokia_srl admin");
    let srl_line = node_line("\"srl00042\"");
    assert_eq!(
        srl.1,
        [
            format!("F:{srl_line}"),
            format!("F:{}", after("\"srl00042\"", "\"mgmt-ipv4-address\"")),
            format!("F:{}", after("\"srl00042\"", "\"kind\"")),
        ]
    );
    // The published SSH port, at the line of its binding.
    let crpd = find("crpd");
    assert_eq!(crpd.0, "crpd 127.0.0.1:2206 juniper_junos root");
    let binding = after("\"crpd\"", "{\n          \"host-ip\": \"\",");
    assert_eq!(crpd.1[1], format!("F:{binding}"));
    assert_eq!(find("v6only").0, "v6only ::1:22 arista_eos admin");
    assert_eq!(find("noaddr").0, "noaddr clab-big-noaddr:22 linux -");
    assert_eq!(
        find("noaddr").1[1],
        format!("F:{}", node_line("\"noaddr\""))
    );
    assert!(
        find("r\"é\\1")
            .0
            .starts_with("r\"é\\1 127.1.0.3:22 cisco_ios")
    );
    assert_eq!(
        find("r\"é\\1").1[0],
        format!("F:{}", node_line("\"r\\\"é\\\\1\""))
    );
    // The same warnings, each at its line.
    let warned = |loaded: &Loaded, file: &Path| {
        let file = file.display().to_string();
        let w: Vec<String> = loaded
            .warnings
            .iter()
            .map(|w| w.replace(&file, "F"))
            .collect();
        w
    };
    let odd = format!("F:{}: kind `odd_kind` of odd", after("\"odd\"", "\"kind\""));
    let nokind = format!("F:{}: node nokind has no kind", node_line("\"nokind\""));
    let w = warned(&pretty_loaded, &pretty);
    assert!(w.iter().any(|w| w.starts_with(&odd)), "{w:?}");
    assert!(w.iter().any(|w| w.starts_with(&nokind)), "{w:?}");
    assert!(
        w.contains(
            &"F: no management address for clab-big-noaddr: addressed by container name".to_owned()
        ),
        "{w:?}"
    );
    let w = warned(&one_loaded, &one);
    assert!(
        w.iter()
            .any(|w| w.starts_with("F:1: kind `odd_kind` of odd")),
        "{w:?}"
    );
    assert!(
        w.iter()
            .any(|w| w.starts_with("F:1: node nokind has no kind")),
        "{w:?}"
    );
}

/// `clab inspect --format json` output, detected and read as JSON: line of each container.
#[test]
fn inspect_output_of_either_shape_one_line_or_pretty() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let container = |i: usize| {
        serde_json::json!({"lab_name": "big", "name": format!("clab-big-r{i}"),
            "kind": "nokia_srlinux", "state": if i == 1 { "exited" } else { "running" },
            "ipv4_address": format!("127.0.0.{}/8", i + 1), "ipv6_address": "N/A"})
    };
    let containers: Vec<_> = (0..3).map(container).collect();
    let new = serde_json::json!({ "big": containers });
    for text in [new.to_string(), serde_json::to_string_pretty(&new).unwrap()] {
        let loaded = load_text(
            Path::new("inspect.json"),
            text.clone().into_bytes(),
            None,
            &profiles(),
        )
        .unwrap();
        let got: Vec<(String, String, String)> = loaded
            .devices
            .iter()
            .map(|(d, p)| {
                (
                    d.name.clone(),
                    d.host.clone(),
                    p.get(Field::Host).unwrap().to_string(),
                )
            })
            .collect();
        let line = |i: usize| match text.contains('\n') {
            true => line_of(&text, &format!("127.0.0.{}/8", i + 1)),
            false => 1,
        };
        let expected: Vec<(String, String, String)> = (0..3)
            .map(|i| {
                (
                    format!("r{i}"),
                    format!("127.0.0.{}", i + 1),
                    format!("inspect.json:{}", line(i)),
                )
            })
            .collect();
        assert_eq!(got, expected);
        assert!(
            loaded
                .warnings
                .iter()
                .any(|w| w.ends_with("not running, so they will not answer: r1 (exited)"))
        );
    }
    let err = load_text(
        Path::new("i.json"),
        b"{\"containers\": [{\"kind\": \"srl\"}]}".to_vec(),
        None,
        &profiles(),
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "i.json:1: name: container without a name");
}

/// Peak bytes held while `f` runs, beyond what was held before and is still held after.
fn transient<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = HELD.load(Relaxed);
    PEAK.store(before, Relaxed);
    let out = f();
    let kept = HELD.load(Relaxed).saturating_sub(before);
    (out, PEAK.load(Relaxed) - before - kept)
}

/// Loading costs the file's text and little more beyond the devices it gives: read as YAML,
/// a one-line file took 27 times its size for the scanner's tokens, a pretty one 20 times.
#[test]
fn loading_takes_little_beyond_the_text_and_the_devices() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let doc = lab(3_000);
    let mut huge = lab(10);
    // A 4 MB name and a 4 MB ignored value: held once each, not copied per use.
    let big_name = "n".repeat(4 << 20);
    let node = huge["nodes"]["srl00001"].take();
    huge["nodes"][&big_name] = node;
    huge["nodes"]["srl00002"]["image"] = "i".repeat(4 << 20).into();
    for (rel, text) in [
        (
            "pretty/topology-data.json",
            serde_json::to_string_pretty(&doc).unwrap(),
        ),
        ("one/topology-data.json", doc.to_string()),
        // Not named topology-data.json: found by its content.
        ("lab.json", doc.to_string()),
        ("huge/topology-data.json", huge.to_string()),
    ] {
        let path = write(dir.path(), rel, &text);
        let (loaded, extra) = transient(|| load(&path, None, &profiles()).unwrap());
        assert!(loaded.devices.len() > 10);
        // The text (read once or twice, to detect then to load, one at a time), and a value
        // copied as the device takes it: as YAML it was 20 to 27 times the text.
        assert!(
            extra < 2 * text.len(),
            "{rel}: {extra} bytes beyond the devices for {} bytes of text",
            text.len()
        );
    }
}

/// More nodes than devices are allowed: refused before any device is built (each costs a
/// few KB, so 65,536 of them were 300 MB before the limit struck).
#[test]
fn too_many_nodes_are_refused_before_any_device_is_built() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let nodes: Vec<String> = (0..65_537).map(|i| format!("\"n{i}\":0")).collect();
    let text = format!("{{\"nodes\":{{{}}}}}", nodes.join(","));
    let path = write(dir.path(), "topology-data.json", &text);
    let (err, extra) = transient(|| load(&path, None, &profiles()).unwrap_err());
    assert_eq!(
        err.to_string(),
        format!("{}: more than 65536 devices", path.display())
    );
    assert!(
        extra < 2 * text.len(),
        "{extra} bytes for {} bytes of text",
        text.len()
    );
    // Bridges are not devices: as many of them as fit are no more than the rest.
    let bridges = nodes.join(",").replace(":0", ":{\"kind\":\"bridge\"}");
    let text = format!("{{\"nodes\":{{{bridges}}}}}");
    let loaded = load_text(
        &path,
        text.into_bytes(),
        Some(Format::ClabTopologyData),
        &profiles(),
    )
    .unwrap();
    assert!(loaded.devices.is_empty());
}

fn refused(text: &str) -> SourceError {
    let path = Path::new("topology-data.json");
    load_text(
        path,
        text.as_bytes().to_vec(),
        Some(Format::ClabTopologyData),
        &profiles(),
    )
    .unwrap_err()
}

#[test]
fn hostile_files_fail_at_their_line_with_the_cause() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let deep = format!(
        "{{\"nodes\": {{\"r1\":\n{}{}}}}}",
        "[".repeat(200),
        "]".repeat(200)
    );
    assert_eq!(
        refused(&deep).to_string(),
        "topology-data.json:2: nested more than 128 levels deep"
    );
    // 50,000 deep, as issue 14 found it for YAML: bounded, refused at the same place.
    let deeper = format!("{{\"nodes\": {{\"r1\": {}", "[{\"a\":".repeat(50_000));
    assert_eq!(
        refused(&deeper).to_string(),
        "topology-data.json:1: nested more than 128 levels deep"
    );
    assert_eq!(
        refused("[{\"nodes\": {}}]").to_string(),
        "topology-data.json:1: expected a mapping at the top, found a list"
    );
    let full = serde_json::to_string_pretty(&lab(3)).unwrap();
    // Cut inside a string, as a file written by a process that died.
    let cut = &full[..full.find("\"ghcr.io").unwrap() + 5];
    assert_eq!(
        refused(cut).to_string(),
        format!(
            "topology-data.json:{}: JSON: EOF while parsing a string (column {})",
            cut.lines().count(),
            cut.lines().last().unwrap().len()
        )
    );
    assert_eq!(
        refused("").to_string(),
        "topology-data.json: empty file: no nodes"
    );
    assert_eq!(
        refused("null").to_string(),
        "topology-data.json: empty file: no nodes"
    );
    assert_eq!(
        refused("{\"nodes\": []}").to_string(),
        "topology-data.json:1: nodes: missing `nodes` mapping"
    );
    assert_eq!(
        refused("{\n\"nodes\": {\"r1\": {\"kind\": \"srl\"}},}").to_string(),
        "topology-data.json:2: JSON: key must be a string (column 34)"
    );
    assert_eq!(
        refused("{\"nodes\": {}}\n{}").to_string(),
        "topology-data.json:2: JSON: trailing characters (column 1)"
    );
    // A NUL byte is refused before parsing; an escaped one is a character like another.
    assert_eq!(
        refused("{\"nodes\":\n{\"r1\0\": {}}}").to_string(),
        "topology-data.json:2: contains NUL bytes: a binary file, not text"
    );
    // Repeated keys: the last value wins, a repeated node is listed twice (as YAML read them).
    let twice = "{\"nodes\": {\"r\\u0000\": {\"kind\": \"linux\", \"mgmt-ipv4-address\": \"127.0.0.2\", \
                 \"kind\": \"nokia_srlinux\"}, \"r\\u0000\": {\"mgmt-ipv4-address\": \"127.0.0.3\"}}}";
    let loaded = load_text(
        Path::new("t.json"),
        twice.into(),
        Some(Format::ClabTopologyData),
        &profiles(),
    )
    .unwrap();
    let got: Vec<(&str, &str, &str)> = loaded
        .devices
        .iter()
        .map(|(d, _)| (d.name.as_str(), d.host.as_str(), d.profile.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("r\0", "127.0.0.2", "nokia_srl"),
            ("r\0", "127.0.0.3", "auto")
        ]
    );
}

/// What `sshtriage inventory` says of a broken file, and that a name with an escaped control
/// character reaches the terminal cleaned.
#[tokio::test]
async fn inventory_names_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(
        dir.path(),
        "a/topology-data.json",
        "{\n  \"nodes\": {\n    \"r1\": {\"kind\": }\n  }\n}\n",
    );
    let run = support::sshtriage(&["inventory", bad.to_str().unwrap()]).await;
    assert_eq!(run.code, 2, "{}", run.text());
    assert_eq!(
        run.stderr.trim_end(),
        format!(
            "sshtriage: {}:3: JSON: expected value (column 20)",
            bad.display()
        )
    );
    let odd = write(
        dir.path(),
        "b/topology-data.json",
        "{\"nodes\": {\"r\\u001b[2J\": {\"kind\": \"linux\", \"mgmt-ipv4-address\": \"127.0.0.1\"}}}",
    );
    let run = support::sshtriage(&["inventory", odd.to_str().unwrap()]).await;
    assert_eq!(run.code, 0, "{}", run.text());
    assert!(
        run.stdout
            .starts_with("r␛[2J\n  address      127.0.0.1:22  ("),
        "{}",
        run.stdout
    );
}
