//! Ansible host patterns in inventories: `name`, `name:port`, `[v6addr]:port`, and ranges
//! `web[01:10]`, `db-[a:c]`, `r[0:10:2]` (several per name allowed).

/// One pattern can name at most this many hosts.
pub(super) const MAX_RANGE_HOSTS: usize = 4096;
/// u64 has 20 digits; longer range ends are only padding.
const MAX_RANGE_DIGITS: usize = 20;

/// The host names a pattern stands for, and the port it names.
pub(super) fn expand(pattern: &str) -> Result<(Vec<String>, Option<u16>), String> {
    let (name, port) = split_port(pattern)?;
    let mut out = Vec::new();
    expand_ranges(&name, &mut out)?;
    Ok((out, port))
}

fn split_port(pattern: &str) -> Result<(String, Option<u16>), String> {
    let bad_port = |p: &str| format!("`{pattern}`: port `{p}` is not a number from 1 to 65535");
    let parse = |p: &str| {
        p.parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| bad_port(p))
    };
    // `[::1]:22`: a bracketed IPv6 address (not a range: ranges hold a `:` between words).
    if let Some(inner) = pattern.strip_prefix('[')
        && let Some((addr, after)) = inner.split_once(']')
        && addr.matches(':').count() > 1
    {
        return match after.strip_prefix(':') {
            Some(p) => Ok((addr.to_owned(), Some(parse(p)?))),
            None if after.is_empty() => Ok((addr.to_owned(), None)),
            None => Err(format!("`{pattern}`: unexpected `{after}` after `]`")),
        };
    }
    // Colons inside brackets belong to ranges; outside, one colon means a port.
    let mut depth = 0i32;
    let outside: Vec<usize> = pattern
        .char_indices()
        .filter_map(|(i, c)| {
            match c {
                '[' => depth += 1,
                ']' => depth -= 1,
                ':' if depth == 0 => return Some(i),
                _ => {}
            }
            None
        })
        .collect();
    match outside.as_slice() {
        [] => Ok((pattern.to_owned(), None)),
        [i] => Ok((pattern[..*i].to_owned(), Some(parse(&pattern[i + 1..])?))),
        // A bare IPv6 address: no port can be told apart.
        _ => Ok((pattern.to_owned(), None)),
    }
}

fn expand_ranges(name: &str, out: &mut Vec<String>) -> Result<(), String> {
    let Some(open) = name.find('[') else {
        out.push(name.to_owned());
        return Ok(());
    };
    let close = name[open..]
        .find(']')
        .map(|c| open + c)
        .ok_or_else(|| format!("`{name}`: `[` without `]`"))?;
    let (head, spec, tail) = (&name[..open], &name[open + 1..close], &name[close + 1..]);
    let parts: Vec<&str> = spec.split(':').collect();
    let (start, end, stride) = match parts.as_slice() {
        [s, e] => (*s, *e, 1usize),
        [s, e, st] => (
            *s,
            *e,
            st.parse::<usize>()
                .ok()
                .filter(|s| *s > 0)
                .ok_or_else(|| format!("`{name}`: bad range step `{st}`"))?,
        ),
        _ => {
            return Err(format!(
                "`{name}`: a range is written [start:end] or [start:end:step]"
            ));
        }
    };
    let values: Vec<String> = if let (Ok(s), Ok(e)) = (start.parse::<u64>(), end.parse::<u64>()) {
        if s > e {
            return Err(format!("`{name}`: range start is after its end"));
        }
        // Leading zeros set the padding width: bound it, or 4096 names could take gigabytes.
        if start.len().max(end.len()) > MAX_RANGE_DIGITS {
            return Err(format!(
                "`{name}`: range numbers longer than {MAX_RANGE_DIGITS} digits"
            ));
        }
        if (e - s) / stride as u64 >= MAX_RANGE_HOSTS as u64 {
            return Err(format!("`{name}`: more than {MAX_RANGE_HOSTS} hosts"));
        }
        // A leading zero pads every number to the start's width, as Ansible does.
        let width = if start.starts_with('0') {
            start.len()
        } else {
            0
        };
        (s..=e)
            .step_by(stride)
            .map(|n| format!("{n:0width$}"))
            .collect()
    } else if let ([a], [b]) = (start.as_bytes(), end.as_bytes())
        && a.is_ascii_alphabetic()
        && b.is_ascii_alphabetic()
        && a <= b
    {
        (*a..=*b)
            .step_by(stride)
            .map(|c| char::from(c).to_string())
            .collect()
    } else {
        return Err(format!("`{name}`: bad range `[{spec}]`"));
    };
    for v in values {
        if out.len() >= MAX_RANGE_HOSTS {
            return Err(format!("`{name}`: more than {MAX_RANGE_HOSTS} hosts"));
        }
        expand_ranges(&format!("{head}{v}{tail}"), out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_and_ranges() {
        assert_eq!(expand("r1").unwrap(), (vec!["r1".into()], None));
        assert_eq!(expand("r1:2222").unwrap(), (vec!["r1".into()], Some(2222)));
        assert_eq!(
            expand("[::1]:2222").unwrap(),
            (vec!["::1".into()], Some(2222))
        );
        assert_eq!(expand("fd00::1").unwrap(), (vec!["fd00::1".into()], None));
        let (hosts, _) = expand("leaf[01:03]").unwrap();
        assert_eq!(hosts, ["leaf01", "leaf02", "leaf03"]);
        let (hosts, port) = expand("s[a:c]-[0:4:2]:830").unwrap();
        assert_eq!(
            hosts,
            [
                "sa-0", "sa-2", "sa-4", "sb-0", "sb-2", "sb-4", "sc-0", "sc-2", "sc-4"
            ]
        );
        assert_eq!(port, Some(830));
        assert!(expand("x[0:99999]").unwrap_err().contains("more than"));
        let padded = format!("x[{}1:4095]", "0".repeat(1 << 20));
        assert!(expand(&padded).unwrap_err().contains("digits"));
        assert!(expand("x[1:2").is_err());
        assert!(expand("r1:0").is_err());
    }
}
