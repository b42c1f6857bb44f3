//! What data-producing programs print, so that `echo … | sh`, `$(echo rm)`, `base64 -d | bash`
//! and `find / | xargs rm` can be followed: text when ctx can compute it, the places listed
//! when a program prints file names, nothing otherwise.

use super::words::unescape_ansi_c;
use super::{Frame, Out, Stdin};

/// At most this many repetitions of a `printf` format.
const MAX_PRINTF_ROUNDS: usize = 64;

/// The output of `program args` given `stdin`; `file` reads a file this command line wrote.
pub(super) fn output_of(
    program: &str,
    args: &[String],
    stdin: &Stdin,
    frame: &Frame,
    file: &dyn Fn(&str) -> Option<String>,
) -> Out {
    let input = || -> Option<String> {
        let operands: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
        match operands.as_slice() {
            [] => stdin.text().map(str::to_string),
            [path] => file(path),
            _ => None,
        }
    };
    let known = |text: Option<String>| text.map_or(Out::Unknown, Out::Known);
    match program {
        "echo" => Out::Known(echo(args)),
        "printf" => known(printf(args)),
        "cat" | "tee" if program == "tee" || args.iter().all(|a| a == "-") => {
            known(stdin.text().map(str::to_string))
        }
        "cat" => {
            let mut out = String::new();
            for arg in args.iter().filter(|a| !a.starts_with('-') || *a == "-") {
                let part = if arg == "-" {
                    stdin.text().map(str::to_string)
                } else {
                    file(arg)
                };
                match part {
                    Some(p) => out.push_str(&p),
                    None => return Out::Unknown,
                }
            }
            Out::Known(out)
        }
        "base64" | "base32" | "gbase64" if decodes(args) => {
            let text = input().unwrap_or_default();
            let decoded = if program == "base32" {
                decode_base32(&text)
            } else {
                decode_base64(&text)
            };
            known(decoded)
        }
        "openssl"
            if args.iter().any(|a| a == "-d")
                && args
                    .iter()
                    .any(|a| a == "base64" || a == "-base64" || a == "-a") =>
        {
            known(stdin.text().and_then(decode_base64))
        }
        "xxd"
            if args.iter().any(|a| a == "-r" || a.starts_with("-r"))
                && args
                    .iter()
                    .any(|a| a == "-p" || a == "-ps" || a == "-plain" || a == "-rp") =>
        {
            known(input().and_then(|t| decode_hex(&t)))
        }
        "rev" => known(input().map(|t| {
            t.lines()
                .map(|l| l.chars().rev().collect::<String>() + "\n")
                .collect()
        })),
        "tr" => known(stdin.text().and_then(|t| translate(args, t))),
        "pwd" if frame.unresolved_cwd.is_none() => Out::Known(frame.cwd_text() + "\n"),
        "mktemp" => Out::Known(mktemp(args, frame) + "\n"),
        "realpath" => known(last_operand(args).map(|a| absolute(frame, a) + "\n")),
        "readlink"
            if args
                .iter()
                .any(|a| matches!(a.as_str(), "-f" | "-e" | "-m")) =>
        {
            known(last_operand(args).map(|a| absolute(frame, a) + "\n"))
        }
        "basename" => known(last_operand(args).map(|a| {
            a.trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or(a)
                .to_string()
                + "\n"
        })),
        "dirname" => known(last_operand(args).map(|a| {
            let trimmed = a.trim_end_matches('/');
            match trimmed.rsplit_once('/') {
                Some(("", _)) => "/\n".to_string(),
                Some((dir, _)) => format!("{dir}\n"),
                None => ".\n".to_string(),
            }
        })),
        "find" => Out::Paths(find_listing(args)),
        "fd" | "fdfind" => Out::Paths(fd_listing(args)),
        "ls" if !args.iter().any(|a| a == "-d") => Out::Paths(ls_listing(args)),
        "git" if args.first().is_some_and(|a| a == "ls-files") => Out::Paths(vec!["./{}".into()]),
        _ => Out::Unknown,
    }
}

fn echo(args: &[String]) -> String {
    let mut escapes = false;
    let mut newline = true;
    let mut words = args.iter().peekable();
    while let Some(word) = words.peek() {
        let flags = word
            .strip_prefix('-')
            .filter(|f| !f.is_empty() && f.chars().all(|c| matches!(c, 'n' | 'e' | 'E')));
        let Some(flags) = flags else { break };
        for c in flags.chars() {
            match c {
                'n' => newline = false,
                'e' => escapes = true,
                _ => escapes = false,
            }
        }
        words.next();
    }
    let text = words.map(String::as_str).collect::<Vec<_>>().join(" ");
    let mut out = if escapes {
        unescape_ansi_c(&text)
    } else {
        text
    };
    if newline {
        out.push('\n');
    }
    out
}

/// `printf FORMAT ARGS…` with `%s`, `%b`, `%d`, `%c` and `%%`; the format repeats while
/// arguments remain, as in bash.
pub(super) fn printf(args: &[String]) -> Option<String> {
    let mut rest = args.iter().skip_while(|a| *a == "--");
    let format = rest.next()?;
    let args: Vec<&String> = rest.collect();
    let format = unescape_ansi_c(format);
    let mut out = String::new();
    let mut next = 0;
    for _ in 0..MAX_PRINTF_ROUNDS {
        let mut chars = format.chars().peekable();
        let mut used = false;
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            // Flags and width are ignored.
            while chars.peek().is_some_and(|c| "-+ #0123456789.".contains(*c)) {
                chars.next();
            }
            match chars.next() {
                Some('%') => out.push('%'),
                Some(conversion) => {
                    let arg = args.get(next).map_or("", |a| a.as_str());
                    next += 1;
                    used = true;
                    match conversion {
                        'b' => out.push_str(&unescape_ansi_c(arg)),
                        'c' => out.extend(arg.chars().next()),
                        _ => out.push_str(arg),
                    }
                }
                None => out.push('%'),
            }
        }
        if !used || next >= args.len() {
            break;
        }
    }
    Some(out)
}

fn decodes(args: &[String]) -> bool {
    args.iter().any(|a| {
        a == "--decode"
            || (a.starts_with('-') && !a.starts_with("--") && (a.contains('d') || a.contains('D')))
    })
}

/// Standard or URL-safe base64, whitespace ignored; `None` when it is not base64 of UTF-8.
pub(super) fn decode_base64(text: &str) -> Option<String> {
    let mut bits: u32 = 0;
    let mut count = 0;
    let mut bytes = Vec::new();
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        let value = match c {
            'A'..='Z' => c as u32 - 'A' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 26,
            '0'..='9' => c as u32 - '0' as u32 + 52,
            '+' | '-' => 62,
            '/' | '_' => 63,
            '=' => break,
            _ => return None,
        };
        bits = (bits << 6) | value;
        count += 6;
        if count >= 8 {
            count -= 8;
            bytes.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    String::from_utf8(bytes).ok()
}

fn decode_base32(text: &str) -> Option<String> {
    let mut bits: u64 = 0;
    let mut count = 0;
    let mut bytes = Vec::new();
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        let value = match c.to_ascii_uppercase() {
            c @ 'A'..='Z' => c as u64 - 'A' as u64,
            c @ '2'..='7' => c as u64 - '2' as u64 + 26,
            '=' => break,
            _ => return None,
        };
        bits = (bits << 5) | value;
        count += 5;
        if count >= 8 {
            count -= 8;
            bytes.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    String::from_utf8(bytes).ok()
}

pub(super) fn decode_hex(text: &str) -> Option<String> {
    let digits: Vec<u8> = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_digit(16).map(|d| d as u8))
        .collect::<Option<_>>()?;
    let bytes: Vec<u8> = digits
        .chunks(2)
        .map(|p| p[0] * 16 + p.get(1).copied().unwrap_or(0))
        .collect();
    String::from_utf8(bytes).ok()
}

/// `tr SET1 SET2` and `tr -d SET1` on known text.
fn translate(args: &[String], text: &str) -> Option<String> {
    let options: Vec<&String> = args
        .iter()
        .filter(|a| a.starts_with('-') && a.len() > 1)
        .collect();
    let sets: Vec<Vec<char>> = args
        .iter()
        .filter(|a| !(a.starts_with('-') && a.len() > 1))
        .map(|a| expand_set(a))
        .collect();
    if options.iter().any(|o| o.contains('d')) {
        let delete = sets.first()?;
        return Some(text.chars().filter(|c| !delete.contains(c)).collect());
    }
    if !options.is_empty() {
        return None;
    }
    let [from, to] = sets.as_slice() else {
        return None;
    };
    let last = *to.last()?;
    Some(
        text.chars()
            .map(|c| match from.iter().position(|f| *f == c) {
                Some(i) => to.get(i).copied().unwrap_or(last),
                None => c,
            })
            .collect(),
    )
}

/// A `tr` set: ranges such as `a-z` and escapes such as `\n`.
fn expand_set(set: &str) -> Vec<char> {
    let chars: Vec<char> = unescape_ansi_c(set).chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if i + 2 < chars.len() && chars[i + 1] == '-' && chars[i] <= chars[i + 2] {
            out.extend(chars[i]..=chars[i + 2]);
            i += 3;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// The path `mktemp` prints: under the temporary directory unless a plain template is given.
fn mktemp(args: &[String], frame: &Frame) -> String {
    let in_tmp = args.iter().any(|a| {
        a == "-t" || a.starts_with("--tmpdir") || a == "-p" || a.starts_with("-p") && a.len() > 2
    });
    let template = args
        .iter()
        .rev()
        .find(|a| !a.starts_with('-') && a.contains("XXX"));
    match template {
        Some(t) if !in_tmp && !t.starts_with('/') => absolute(frame, t),
        Some(t) if t.starts_with('/') => t.clone(),
        Some(t) => format!("/tmp/{t}"),
        None => "/tmp/tmp.XXXXXXXXXX".into(),
    }
}

fn last_operand(args: &[String]) -> Option<&str> {
    args.iter()
        .rev()
        .find(|a| !a.starts_with('-'))
        .map(String::as_str)
}

fn absolute(frame: &Frame, path: &str) -> String {
    frame.ctx.absolute(path).to_string_lossy().into_owned()
}

/// The start points of `find` (its leading operands; `.` when there are none).
pub(super) fn find_starts(args: &[String]) -> Vec<String> {
    let mut starts: Vec<String> = Vec::new();
    for arg in args {
        if arg.starts_with('-') || arg == "(" || arg == "!" || arg == "," {
            if matches!(arg.as_str(), "-H" | "-L" | "-P") && starts.is_empty() {
                continue;
            }
            break;
        }
        starts.push(arg.clone());
    }
    if starts.is_empty() {
        starts.push(".".into());
    }
    starts
}

/// Tests that select only some of the files under a start point.
const FIND_TESTS: &[&str] = &[
    "-name",
    "-iname",
    "-path",
    "-ipath",
    "-wholename",
    "-iwholename",
    "-regex",
    "-iregex",
    "-lname",
    "-ilname",
    "-type",
    "-xtype",
    "-newer",
    "-newermt",
    "-anewer",
    "-cnewer",
    "-mtime",
    "-mmin",
    "-atime",
    "-amin",
    "-ctime",
    "-cmin",
    "-size",
    "-user",
    "-group",
    "-nouser",
    "-nogroup",
    "-perm",
    "-empty",
    "-links",
    "-inum",
    "-samefile",
    "-used",
    "-readable",
    "-writable",
    "-executable",
    "-fstype",
    "-uid",
    "-gid",
    "-prune",
];

/// What `find` selects under each start: `START` itself when no test narrows the selection
/// (the whole tree), else `START/{}` (some files below it).
pub(super) fn find_selection(args: &[String]) -> Vec<String> {
    let narrowed = args.iter().any(|a| FIND_TESTS.contains(&a.as_str()));
    find_starts(args)
        .into_iter()
        .map(|start| {
            if narrowed {
                format!("{}/{{}}", start.trim_end_matches('/'))
            } else {
                start
            }
        })
        .collect()
}

fn find_listing(args: &[String]) -> Vec<String> {
    find_selection(args)
}

/// `fd [PATTERN] [PATH…]`: files under each path (the whole tree when the pattern is `.` or
/// missing).
pub(super) fn fd_listing(args: &[String]) -> Vec<String> {
    let mut operands = Vec::new();
    let mut skip = false;
    for arg in args {
        if skip {
            skip = false;
            continue;
        }
        if matches!(arg.as_str(), "-x" | "--exec" | "-X" | "--exec-batch") {
            break;
        }
        if arg.starts_with('-') {
            skip = matches!(
                arg.as_str(),
                "-e" | "--extension"
                    | "-t"
                    | "--type"
                    | "-d"
                    | "--max-depth"
                    | "-E"
                    | "--exclude"
                    | "--min-depth"
                    | "-S"
                    | "--size"
                    | "--changed-within"
                    | "--changed-before"
                    | "-o"
                    | "--owner"
                    | "-j"
                    | "--threads"
            );
            continue;
        }
        operands.push(arg.clone());
    }
    let narrowed = args.iter().any(|a| {
        matches!(
            a.as_str(),
            "-e" | "--extension" | "-t" | "--type" | "-g" | "--glob"
        )
    }) || operands.first().is_some_and(|p| p != "." && p != "^");
    let paths: Vec<String> = if operands.len() > 1 {
        operands[1..].to_vec()
    } else {
        vec![".".into()]
    };
    paths
        .into_iter()
        .map(|p| {
            if narrowed {
                format!("{}/{{}}", p.trim_end_matches('/'))
            } else {
                p
            }
        })
        .collect()
}

/// `ls DIR…` lists every entry of each directory (`DIR/*`); a glob operand lists itself.
fn ls_listing(args: &[String]) -> Vec<String> {
    let operands: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    if operands.is_empty() {
        return vec!["./*".into()];
    }
    operands
        .into_iter()
        .map(|o| {
            if o.contains(['*', '?', '[']) {
                o.clone()
            } else {
                format!("{}/*", o.trim_end_matches('/'))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn printf_substitutes_and_repeats() {
        assert_eq!(printf(&words("%s-%s a b c d")).as_deref(), Some("a-bc-d"));
        assert_eq!(
            printf(&["\\x72\\x6d -rf %s".to_string(), "/".to_string()]).as_deref(),
            Some("rm -rf /")
        );
    }

    #[test]
    fn decoders() {
        assert_eq!(decode_base64("cm0gLXJmIC8=").as_deref(), Some("rm -rf /"));
        assert_eq!(decode_hex("726d202d7266202f").as_deref(), Some("rm -rf /"));
        assert_eq!(
            decode_base32("OJWSALLSMYQC6===").as_deref(),
            Some("rm -rf /")
        );
        assert!(decode_base64("not base64!").is_none());
    }

    #[test]
    fn tr_translates_ranges() {
        assert_eq!(
            translate(&words("a-z n-za-m"), "ez -es /").as_deref(),
            Some("rm -rf /")
        );
        assert_eq!(translate(&words("-d x"), "rxm").as_deref(), Some("rm"));
    }

    #[test]
    fn find_selects_whole_trees_unless_narrowed() {
        assert_eq!(find_selection(&words("/ -delete")), vec!["/"]);
        assert_eq!(find_selection(&words(". -name x -delete")), vec!["./{}"]);
        assert_eq!(
            find_selection(&words("-L a b -type f")),
            vec!["a/{}", "b/{}"]
        );
    }
}
