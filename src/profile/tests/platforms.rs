//! The embedded profiles: data sanity, aliases, prompts, enable replies, auto-detection.

use super::*;

// ---- embedded data -------------------------------------------------------------------------

#[test]
fn all_nine_profiles_are_embedded_and_valid() {
    let names = profiles()
        .names()
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
    let expected = [
        "arista_eos",
        "cisco_ios",
        "cisco_nxos",
        "cisco_xr",
        "generic",
        "juniper_junos",
        "linux",
        "nokia_srl",
        "nokia_sros",
    ];
    assert_eq!(names, expected);
    for p in profiles().iter() {
        assert_eq!(p.origin, Origin::Embedded);
        assert!(!p.description.is_empty(), "{} has a description", p.name);
    }
}

#[test]
fn enable_exists_only_where_the_platform_has_one() {
    let all = profiles();
    for name in ["cisco_ios", "arista_eos", "cisco_nxos"] {
        let spec = all
            .get(name)
            .and_then(|p| p.enable.as_ref())
            .expect("enable spec");
        assert_eq!(spec.command, "enable");
    }
    for name in [
        "linux",
        "juniper_junos",
        "nokia_srl",
        "nokia_sros",
        "cisco_xr",
        "generic",
    ] {
        assert!(
            all.get(name).is_some_and(|p| p.enable.is_none()),
            "{name} has no enable"
        );
    }
}

#[test]
fn paging_off_commands_match_what_the_tools_send() {
    let all = profiles();
    let first = |n: &str| all.get(n).and_then(|p| p.paging_off.first().cloned());
    assert_eq!(first("cisco_ios").as_deref(), Some("terminal length 0"));
    assert_eq!(first("arista_eos").as_deref(), Some("terminal length 0"));
    assert_eq!(
        first("juniper_junos").as_deref(),
        Some("set cli screen-length 0")
    );
    assert_eq!(
        first("nokia_srl").as_deref(),
        Some("environment cli-engine type basic")
    );
    assert_eq!(
        first("nokia_sros").as_deref(),
        Some("environment more false")
    );
    assert_eq!(first("linux"), None);
}

// ---- aliases -------------------------------------------------------------------------------

#[test]
fn aliases_resolve_case_insensitively() {
    let all = profiles();
    let cases = [
        ("cisco.ios.ios", "cisco_ios"),
        ("ios", "cisco_ios"),
        ("cisco_xe", "cisco_ios"),
        ("CISCO_IOS_SSH", "cisco_ios"),
        ("arista.eos.eos", "arista_eos"),
        ("eos", "arista_eos"),
        ("junipernetworks.junos.junos", "juniper_junos"),
        ("juniper", "juniper_junos"),
        ("junos", "juniper_junos"),
        ("nokia.srlinux.srlinux", "nokia_srl"),
        ("nokia.sros.md", "nokia_sros"),
        ("cisco.nxos.nxos", "cisco_nxos"),
        ("nxos", "cisco_nxos"),
        ("cisco.iosxr.iosxr", "cisco_xr"),
        ("iosxr", "cisco_xr"),
        (" Linux ", "linux"),
    ];
    for (alias, name) in cases {
        assert_eq!(
            all.get(alias).map(|p| p.name.as_str()),
            Some(name),
            "{alias}"
        );
    }
    assert!(all.get("vyos").is_none());
}

#[test]
fn no_alias_is_claimed_by_two_embedded_profiles() {
    let all = profiles();
    let mut seen: Vec<(String, String)> = Vec::new();
    for p in all.iter() {
        for key in std::iter::once(&p.name).chain(&p.aliases) {
            let key = key.to_ascii_lowercase();
            if let Some((_, owner)) = seen.iter().find(|(k, _)| *k == key) {
                panic!("{key} claimed by {owner} and {}", p.name);
            }
            seen.push((key, p.name.clone()));
        }
    }
}

// ---- prompts -------------------------------------------------------------------------------

#[test]
fn ios_prompts() {
    let banner = "\r\n**************\r\n* Lab router *\r\n**************\r\n\r\n";
    assert_prompt("cisco_ios", &format!("{banner}r1>"), "r1>", Some(false));
    assert_prompt("cisco_ios", "r1#", "r1#", Some(true));
    assert_prompt(
        "cisco_ios",
        "\r\nwan-r1(config)#",
        "wan-r1(config)#",
        Some(true),
    );
    assert_prompt("cisco_ios", "r1(config-if)# ", "r1(config-if)#", Some(true));
    assert_prompt(
        "cisco_ios",
        "core.dc1_sw-02>",
        "core.dc1_sw-02>",
        Some(false),
    );
    assert_prompt(
        "cisco_ios",
        "enable\r\ncore.dc1_sw-02# ",
        "core.dc1_sw-02#",
        Some(true),
    );
}

#[test]
fn eos_prompts() {
    assert_prompt(
        "arista_eos",
        "Last login: today\r\nleaf1>",
        "leaf1>",
        Some(false),
    );
    assert_prompt("arista_eos", "leaf1#", "leaf1#", Some(true));
    assert_prompt(
        "arista_eos",
        "leaf1(config-if-Et1)#",
        "leaf1(config-if-Et1)#",
        Some(true),
    );
    assert_prompt("arista_eos", "leaf1(s1)#", "leaf1(s1)#", Some(true));
}

#[test]
fn nxos_prompts() {
    let motd = "Cisco Nexus Operating System (NX-OS) Software\r\nTAC support: http://www.cisco.com/tac\r\n";
    assert_prompt(
        "cisco_nxos",
        &format!("{motd}switch# "),
        "switch#",
        Some(true),
    );
    assert_prompt(
        "cisco_nxos",
        "switch(config)#",
        "switch(config)#",
        Some(true),
    );
}

#[test]
fn xr_prompt() {
    assert_prompt(
        "cisco_xr",
        "\r\nRP/0/RP0/CPU0:xr1#",
        "RP/0/RP0/CPU0:xr1#",
        None,
    );
    assert_prompt(
        "cisco_xr",
        "RP/0/RSP0/CPU0:pe-1(config-if)#",
        "RP/0/RSP0/CPU0:pe-1(config-if)#",
        None,
    );
}

#[test]
fn junos_prompts() {
    let motd = "--- JUNOS 23.2R1.14 Kernel 64-bit  JNPR-15.0\r\n";
    assert_prompt(
        "juniper_junos",
        &format!("{motd}admin@vmx1> "),
        "admin@vmx1>",
        None,
    );
    assert_prompt(
        "juniper_junos",
        "\r\n[edit]\r\nadmin@vmx1# ",
        "[edit]\nadmin@vmx1#",
        None,
    );
    assert_prompt(
        "juniper_junos",
        "\r\n{master:0}\r\nadmin@sw1> ",
        "{master:0}\nadmin@sw1>",
        None,
    );
    assert_prompt("juniper_junos", "root@vmx1% ", "root@vmx1%", None);
}

#[test]
fn srl_two_line_prompts() {
    let welcome = "Using configuration file(s): []\r\nWelcome to the srlinux CLI.\r\n";
    assert_prompt(
        "nokia_srl",
        &format!("{welcome}--{{ running }}--[  ]--\r\nA:srl1# "),
        "--{ running }--[  ]--\nA:srl1#",
        None,
    );
    assert_prompt(
        "nokia_srl",
        "\r\n--{ + running }--[  ]--\r\nA:srl1# ",
        "--{ + running }--[  ]--\nA:srl1#",
        None,
    );
    assert_prompt(
        "nokia_srl",
        "--{ * candidate shared default }--[ interface ethernet-1/1 ]--\nA:leaf-1#",
        "--{ * candidate shared default }--[ interface ethernet-1/1 ]--\nA:leaf-1#",
        None,
    );
}

#[test]
fn sros_prompts() {
    assert_prompt(
        "nokia_sros",
        "\r\n[/]\r\nA:admin@sros1# ",
        "[/]\nA:admin@sros1#",
        None,
    );
    assert_prompt(
        "nokia_sros",
        "\r\n*(ex)[/configure router \"Base\"]\r\nA:admin@sros1# ",
        "*(ex)[/configure router \"Base\"]\nA:admin@sros1#",
        None,
    );
    assert_prompt("nokia_sros", "A:sros1# ", "A:sros1#", None);
    assert_prompt("nokia_sros", "\r\n*A:sros1# ", "*A:sros1#", None);
    assert_prompt(
        "nokia_sros",
        "*A:sros1>config>router# ",
        "*A:sros1>config>router#",
        None,
    );
}

#[test]
fn linux_prompts_plain_and_decorated() {
    assert_prompt(
        "linux",
        "Welcome to Ubuntu\r\nuser@host:~$ ",
        "user@host:~$",
        None,
    );
    assert_prompt("linux", "[user@host ~]$ ", "[user@host ~]$", None);
    assert_prompt("linux", "root@host:/# ", "root@host:/#", None);
    assert_prompt("linux", "$ ", "$", None);
    assert_prompt("linux", "# ", "#", None);
    let coloured =
        "\x1b[?2004h\x1b]0;user@host: ~\x07\x1b[01;32muser@host\x1b[00m:\x1b[01;34m~\x1b[00m$ ";
    assert_prompt("linux", coloured, "user@host:~$", None);
    let paste_around = "\x1b[?2004l\r\r\nlogout done\r\n\x1b[?2004hroot@host:/# ";
    assert_prompt("linux", paste_around, "root@host:/#", None);
}

#[test]
fn generic_matches_any_usual_terminator() {
    for (output, prompt) in [
        ("Welcome\r\nfw01> ", "fw01>"),
        ("sw# ", "sw#"),
        ("box$", "box$"),
        ("host% ", "host%"),
        ("[admin@mikrotik] > ", "[admin@mikrotik] >"),
    ] {
        assert_prompt("generic", output, prompt, None);
    }
}

#[test]
fn text_that_is_not_at_the_end_or_not_a_prompt_is_rejected() {
    // A MOTD line ending in '#' is only a prompt when nothing follows it.
    let motd = "##########\r\n# Authorized access only #\r\n##########\r\nLoading...\r\n";
    for platform in ["cisco_ios", "arista_eos", "cisco_nxos", "linux", "generic"] {
        assert_no_prompt(platform, motd);
        assert_no_prompt(platform, "Password: ");
        assert_no_prompt(platform, "Password:");
        assert_no_prompt(platform, "");
    }
    assert_no_prompt("cisco_ios", "r1#\r\n");
    assert_no_prompt("cisco_ios", "% Invalid input detected at '^' marker.");
    // IOS must not take Junos, SR OS MD-CLI or Linux prompts for its own.
    assert_no_prompt("cisco_ios", "admin@vmx1>");
    assert_no_prompt("cisco_ios", "user@host:~$ ");
    assert_no_prompt("juniper_junos", "r1#");
    assert_no_prompt("nokia_srl", "r1#");
    assert_no_prompt("nokia_sros", "admin@vmx1#");
}

#[test]
fn prompt_after_huge_output_is_found_and_bounded() {
    let big = format!("{}\r\nr1#", "x".repeat(5 * 1024 * 1024));
    assert_prompt("cisco_ios", &big, "r1#", Some(true));
}

// ---- enable --------------------------------------------------------------------------------

fn enable_reply(platform: &str, output: &str) -> EnableReply {
    let all = profiles();
    classify_enable_reply(all.get(platform).expect("profile"), output)
}

#[test]
fn enable_password_prompt() {
    assert_eq!(
        enable_reply("cisco_ios", "enable\r\nPassword: "),
        EnableReply::PasswordPrompt
    );
    assert_eq!(
        enable_reply("arista_eos", "enable\r\nPassword:"),
        EnableReply::PasswordPrompt
    );
}

#[test]
fn enable_errors_name_the_line() {
    let cases = [
        (
            "cisco_ios",
            "enable\r\nPassword: \r\n% Access denied\r\n\r\nr1>",
            "% Access denied",
        ),
        (
            "cisco_ios",
            "Password: \r\nPassword: \r\nPassword: \r\n% Bad secrets\r\n\r\nr1>",
            "% Bad secrets",
        ),
        (
            "cisco_ios",
            "enable\r\n% No password set\r\nr1>",
            "% No password set",
        ),
        (
            "arista_eos",
            "enable\r\nPassword: \r\n% Access denied\r\nleaf1>",
            "% Access denied",
        ),
    ];
    for (platform, output, line) in cases {
        assert_eq!(
            enable_reply(platform, output),
            EnableReply::Error(line.to_string()),
            "{output:?}"
        );
    }
}

#[test]
fn enable_success_and_failure_by_prompt() {
    let ok = EnableReply::Privileged(PromptMatch {
        prompt: "r1#".into(),
        privileged: Some(true),
    });
    assert_eq!(enable_reply("cisco_ios", "enable\r\nPassword: \r\nr1#"), ok);
    assert_eq!(enable_reply("cisco_ios", "\x1b[?2004henable\r\nr1#"), ok);
    let still = EnableReply::StillUnprivileged(PromptMatch {
        prompt: "r1>".into(),
        privileged: Some(false),
    });
    assert_eq!(enable_reply("cisco_ios", "enable\r\n\r\nr1>"), still);
    assert_eq!(
        enable_reply("cisco_ios", "enable\r\n"),
        EnableReply::Pending
    );
    assert_eq!(enable_reply("cisco_ios", ""), EnableReply::Pending);
}

#[test]
fn platforms_without_levels_count_as_privileged_once_at_a_prompt() {
    let m = PromptMatch {
        prompt: "admin@vmx1>".into(),
        privileged: None,
    };
    assert_eq!(
        enable_reply("junos", "\r\nadmin@vmx1> "),
        EnableReply::Privileged(m)
    );
    assert_eq!(enable_reply("junos", "\r\n"), EnableReply::Pending);
}

#[test]
fn find_error_reports_rejected_setup_commands() {
    let all = profiles();
    let ios = all.get("cisco_ios").expect("ios");
    let reply =
        "terminal length 0\r\n        ^\r\n% Invalid input detected at '^' marker.\r\n\r\nr1>";
    assert_eq!(
        find_error(ios, reply).as_deref(),
        Some("% Invalid input detected at '^' marker.")
    );
    assert_eq!(find_error(ios, "terminal length 0\r\nr1>"), None);
    let junos = all.get("junos").expect("junos");
    assert_eq!(
        find_error(
            junos,
            "set cli screen-lenght 0\r\n              ^\r\nsyntax error.\r\nadmin@vmx1> "
        )
        .as_deref(),
        Some("syntax error.")
    );
}

// ---- auto-detection ------------------------------------------------------------------------

fn detected(banner: &str, output: &str) -> Option<String> {
    auto_detect(&profiles(), banner, output).map(|d| d.profile)
}

#[test]
fn detects_each_lab_platform() {
    let cases = [
        ("Cisco-1.25", "\r\nr1>", "cisco_ios"),
        ("Cisco-1.25", "\r\nwan-r1#", "cisco_ios"),
        ("OpenSSH_8.9", "Last login: Mon\r\nleaf1>", "arista_eos"),
        (
            "OpenSSH_8.3 PKIX",
            "Cisco Nexus Operating System (NX-OS) Software\r\nswitch# ",
            "cisco_nxos",
        ),
        ("Cisco-2.0", "\r\nRP/0/RP0/CPU0:xr1#", "cisco_xr"),
        (
            "OpenSSH_7.5",
            "--- JUNOS 23.2R1.14 Kernel\r\nadmin@vmx1> ",
            "juniper_junos",
        ),
        (
            "OpenSSH_7.5",
            "\r\n{master:0}\r\nadmin@sw1> ",
            "juniper_junos",
        ),
        (
            "OpenSSH_9.2",
            "--{ running }--[  ]--\r\nA:srl1# ",
            "nokia_srl",
        ),
        ("OpenSSH_9.2", "\r\n[/]\r\nA:admin@sros1# ", "nokia_sros"),
        ("OpenSSH_9.2", "\r\n*A:sros1# ", "nokia_sros"),
        (
            "OpenSSH_9.2p1 Debian-2+deb12u3",
            "\x1b[?2004huser@host:~$ ",
            "linux",
        ),
        ("OpenSSH_9.2", "[user@host ~]$ ", "linux"),
    ];
    for (banner, output, expected) in cases {
        assert_eq!(
            detected(banner, output).as_deref(),
            Some(expected),
            "{banner} / {output:?}"
        );
    }
}

#[test]
fn detection_reason_explains_the_evidence() {
    let d = auto_detect(&profiles(), "Cisco-1.25", "\r\nr1>").expect("detected");
    assert_eq!(
        d.prompt,
        PromptMatch {
            prompt: "r1>".into(),
            privileged: Some(false)
        }
    );
    assert!(d.reason.contains("Cisco-1.25"), "{}", d.reason);
    assert!(d.reason.contains("'r1>'"), "{}", d.reason);
}

#[test]
fn equal_evidence_is_settled_by_priority_and_said_so() {
    let d = auto_detect(&profiles(), "OpenSSH_8.9", "\r\nleaf1#").expect("detected");
    assert_eq!(d.profile, "arista_eos");
    assert!(
        d.reason.contains("equally consistent with cisco_nxos"),
        "{}",
        d.reason
    );
    assert!(
        d.reason
            .contains("arista_eos has the higher detect.priority"),
        "{}",
        d.reason
    );
}

#[test]
fn a_shared_prompt_shape_alone_does_not_pick_a_vendor() {
    let d = auto_detect(&profiles(), "SomeSSH_1.0", "\r\nfw01>").expect("generic");
    assert_eq!(d.profile, "generic");
    assert_eq!(d.prompt.prompt, "fw01>");
    assert!(
        d.reason.contains("arista_eos") && d.reason.contains("cisco_ios"),
        "{}",
        d.reason
    );
    // A shape only one platform has is enough on its own.
    assert_eq!(
        detected("SomeSSH_1.0", "RP/0/RP0/CPU0:xr1#").as_deref(),
        Some("cisco_xr")
    );
    assert_eq!(
        detected("SomeSSH_1.0", "*A:sros1# ").as_deref(),
        Some("nokia_sros")
    );
}

#[test]
fn unknown_prompts_fall_back_to_generic_or_nothing() {
    let d = auto_detect(&profiles(), "RomSShell_4.62", "\r\n[admin@MikroTik] > ").expect("generic");
    assert_eq!(d.profile, "generic");
    assert!(d.reason.contains("generic"), "{}", d.reason);
    assert_eq!(detected("Cisco-1.25", "Password: "), None);
    assert_eq!(detected("OpenSSH_9.2", "still loading...\r\n"), None);
}
