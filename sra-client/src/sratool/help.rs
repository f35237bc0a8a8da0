//! sratool's `help` / `?` text.

use super::table::{Entry, TABLE};

/// Help for `topic` (a command name or prefix), or the list of all commands.
///
/// Exact matches win over prefixes; a single match also shows its description, wrapped at 64
/// columns and indented by 8, as sratool does.
pub fn help(topic: Option<&str>) -> String {
    let Some(topic) = topic.map(str::trim).filter(|t| !t.is_empty()) else {
        let mut s = String::from("  AXA protocol 2\n");
        let mut seen: Vec<&str> = Vec::new();
        for e in TABLE {
            if !seen.contains(&e.synopsis) {
                seen.push(e.synopsis);
                s.push_str(&format!("     {}\n", e.synopsis));
            }
        }
        return s;
    };
    let lower = topic.to_ascii_lowercase();
    let exact: Vec<&Entry> = TABLE.iter().filter(|e| e.name == lower).collect();
    let matches = if exact.is_empty() {
        TABLE
            .iter()
            .filter(|e| e.name.starts_with(lower.as_str()))
            .collect()
    } else {
        exact
    };
    let mut shown: Vec<&Entry> = Vec::new();
    for e in matches {
        if !shown.iter().any(|s| s.synopsis == e.synopsis) {
            shown.push(e);
        }
    }
    match shown.as_slice() {
        [] => "No matching help topic could be found\n".to_owned(),
        [one] => format!("  {}\n{}", one.synopsis, wrap(one.about, 64, 8)),
        many => many.iter().map(|e| format!("  {}\n", e.synopsis)).collect(),
    }
}

fn wrap(text: &str, width: usize, indent: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            out.push_str(&format!("{:indent$}{line}\n", ""));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push_str(&format!("{:indent$}{line}\n", ""));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_topics_and_one() {
        let all = help(None);
        assert!(all.contains("     tag watch {ip=IP[/n] | dns=[*.]dom | ch=chN | errors}\n"));
        assert!(all.contains("     rate limits [-|MAX|per-sec] [-|NEVER|report-secs]\n"));
        let status = help(Some("statu"));
        assert!(status.starts_with("  status\n"), "{status}");
        assert!(status.contains("        Show the connection state."));
        let sleep = help(Some("sleep"));
        assert!(sleep.starts_with("  sleep x.y\n"));
        for line in help(Some("forward")).lines().skip(1) {
            assert!(line.len() <= 8 + 64, "{line}");
        }
        let s = help(Some("s"));
        assert!(s.contains("  sample [percent]\n") && s.contains("  stop\n"));
        assert_eq!(help(Some("zzz")), "No matching help topic could be found\n");
        assert_eq!(help(Some(" ")), help(None));
    }
}
