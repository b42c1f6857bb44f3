//! Each language: calls that act are found, the same text as data is not.

use super::*;

fn ops(language: Language, code: &str) -> Vec<Op> {
    analyse(language, code, &mut Parsers::default())
}

fn shells(language: Language, code: &str) -> Vec<String> {
    ops(language, code)
        .into_iter()
        .filter_map(|op| match op {
            Op::Shell { command, .. } => Some(command),
            Op::Exec { argv, .. } => Some(argv.join(" ")),
            _ => None,
        })
        .collect()
}

fn deletes(language: Language, code: &str) -> Vec<(String, bool)> {
    ops(language, code)
        .into_iter()
        .filter_map(|op| match op {
            Op::Delete {
                path, recursive, ..
            } => Some((path, recursive)),
            _ => None,
        })
        .collect()
}

fn printed(language: Language, code: &str) -> String {
    ops(language, code)
        .into_iter()
        .filter_map(|op| match op {
            Op::Print(text) => Some(text),
            _ => None,
        })
        .collect()
}

#[test]
fn python_shell_outs_and_argv() {
    use Language::Python as P;
    assert_eq!(shells(P, "import os; os.system('rm -rf ~')"), ["rm -rf ~"]);
    assert_eq!(
        shells(P, "__import__('os').system('rm -rf /')"),
        ["rm -rf /"]
    );
    assert_eq!(
        shells(
            P,
            "import subprocess as sp\nsp.run(['git', 'reset', '--hard'])"
        ),
        ["git reset --hard"]
    );
    assert_eq!(
        shells(
            P,
            "import subprocess; subprocess.call('git clean -fdx', shell=True)"
        ),
        ["git clean -fdx"]
    );
    assert_eq!(
        shells(P, "import os; p = '/home/u'; os.system('rm -rf ' + p)"),
        ["rm -rf /home/u"]
    );
    assert_eq!(
        shells(
            P,
            "import base64, os; os.system(base64.b64decode('cm0gLXJmIC8=').decode())"
        ),
        ["rm -rf /"]
    );
    assert_eq!(shells(P, "exec('import os\\nos.system(\"ls\")')"), ["ls"]);
}

#[test]
fn python_deletions_resolve_their_paths() {
    use Language::Python as P;
    assert_eq!(
        deletes(P, "import shutil; shutil.rmtree('/home/x')"),
        [("/home/x".to_string(), true)]
    );
    assert_eq!(
        deletes(P, "from shutil import rmtree as r\nr('build')"),
        [("build".to_string(), true)]
    );
    assert_eq!(
        deletes(
            P,
            "import shutil, os; shutil.rmtree(os.path.expanduser('~'))"
        ),
        [("~".to_string(), true)]
    );
    assert_eq!(
        deletes(
            P,
            "from pathlib import Path; import shutil; shutil.rmtree(Path.home())"
        ),
        [("~".to_string(), true)]
    );
    assert_eq!(
        deletes(
            P,
            "from pathlib import Path\nPath('/etc') .joinpath\n(Path('/etc') / 'hosts').unlink()"
        ),
        [("/etc/hosts".to_string(), false)]
    );
    assert_eq!(
        deletes(P, "import os; os.remove(os.path.join('/var', 'log', 'x'))"),
        [("/var/log/x".to_string(), false)]
    );
}

#[test]
fn python_text_that_is_only_data_does_nothing() {
    use Language::Python as P;
    assert!(shells(P, "print('rm -rf /')").is_empty());
    assert!(shells(P, "msg = \"os.system('rm -rf /')\"").is_empty());
    assert!(deletes(P, "# shutil.rmtree('/')\nprint(1)").is_empty());
    assert!(deletes(P, "import shutil\nshutil.rmtree(sys.argv[1])").is_empty());
    assert_eq!(printed(P, "print('rm -rf /')"), "rm -rf /\n");
}

#[test]
fn python_sql_through_drivers() {
    let found = ops(
        Language::Python,
        "import sqlite3; sqlite3.connect('a.db').execute('DROP TABLE users')",
    );
    assert!(found
        .iter()
        .any(|op| matches!(op, Op::Statement { words, .. } if words[0] == "DROP")));
}

#[test]
fn javascript_shell_outs_and_deletions() {
    use Language::JavaScript as J;
    assert_eq!(
        shells(J, "require('child_process').execSync('rm -rf ~')"),
        ["rm -rf ~"]
    );
    assert_eq!(
        shells(
            J,
            "const { execSync: run } = require('node:child_process'); run('git reset --hard')"
        ),
        ["git reset --hard"]
    );
    assert_eq!(
        shells(
            J,
            "require('child_process').spawnSync('git', ['push', '--force'])"
        ),
        ["git push --force"]
    );
    assert_eq!(
        deletes(
            J,
            "require('fs').rmSync('/', {recursive: true, force: true})"
        ),
        [("/".to_string(), true)]
    );
    assert_eq!(
        deletes(
            J,
            "const fs = require('fs'); fs.rmSync(require('os').homedir(), {recursive: true})"
        ),
        [("~".to_string(), true)]
    );
    assert_eq!(
        deletes(
            J,
            "import { rm } from 'node:fs/promises'; await rm('/etc', { recursive: true })"
        ),
        [("/etc".to_string(), true)]
    );
    assert_eq!(
        deletes(J, "require('fs').unlinkSync('a.txt')"),
        [("a.txt".to_string(), false)]
    );
    assert_eq!(
        deletes(J, "await Deno.remove('/home/user', { recursive: true })"),
        [("/home/user".to_string(), true)]
    );
    assert_eq!(shells(J, "await $`rm -rf ${'/'}`"), ["rm -rf /"]);
}

#[test]
fn javascript_data_stays_data() {
    use Language::JavaScript as J;
    assert!(shells(J, "console.log('git push --force origin main')").is_empty());
    assert!(deletes(J, "const msg = 'fs.rmSync(\"/\")'; console.log(msg)").is_empty());
    assert_eq!(printed(J, "console.log('rm -rf', '/')"), "rm -rf /\n");
}

#[test]
fn mongo_operations_are_sql_statements() {
    use Language::JavaScript as J;
    let statements = |code| -> Vec<String> {
        ops(J, code)
            .into_iter()
            .filter_map(|op| match op {
                Op::Statement { words, .. } => Some(words.join(" ")),
                _ => None,
            })
            .collect()
    };
    assert_eq!(statements("db.dropDatabase()"), ["DROP DATABASE current"]);
    assert_eq!(
        statements("db.getSiblingDB('prod').dropDatabase()"),
        ["DROP DATABASE prod"]
    );
    assert_eq!(statements("db.users.drop()"), ["DROP TABLE users"]);
    assert_eq!(statements("db.users.deleteMany({})"), ["DELETE FROM users"]);
    assert!(statements("db.users.deleteMany({age: 3})").is_empty());
    assert!(statements("db.users.find().limit(5)").is_empty());
}

#[test]
fn ruby_calls_and_backticks() {
    use Language::Ruby as R;
    assert_eq!(shells(R, "system(\"rm -rf /\")"), ["rm -rf /"]);
    assert_eq!(shells(R, "`git reset --hard`"), ["git reset --hard"]);
    assert_eq!(shells(R, "system('rm', '-rf', '/')"), ["rm -rf /"]);
    assert_eq!(
        deletes(R, "require 'fileutils'; FileUtils.rm_rf(Dir.home)"),
        [("~".to_string(), true)]
    );
    assert!(shells(R, "puts \"DROP TABLE users\"").is_empty());
    assert!(shells(R, "x = 'system(\"rm -rf /\")'").is_empty());
}

#[test]
fn token_languages() {
    assert_eq!(shells(Language::Perl, "system(\"rm -rf /\")"), ["rm -rf /"]);
    assert_eq!(
        shells(Language::Perl, "my $x = qx{git reset --hard};"),
        ["git reset --hard"]
    );
    assert_eq!(
        deletes(
            Language::Perl,
            "use File::Path qw(remove_tree); remove_tree('/home/u');"
        ),
        [("/home/u".to_string(), true)]
    );
    assert!(shells(Language::Perl, "print if /rm -rf/").is_empty());
    assert_eq!(shells(Language::Php, "system(\"rm -rf ~\");"), ["rm -rf ~"]);
    assert_eq!(
        shells(Language::Awk, "BEGIN { system(\"rm -rf /\") }"),
        ["rm -rf /"]
    );
    assert_eq!(shells(Language::Awk, "{ print | \"sh\" }"), ["sh"]);
    assert_eq!(
        shells(
            Language::Awk,
            "BEGIN { print \"rm \" \"-rf\", \"~\" | \"sh\" }"
        ),
        ["printf '%s\\n' 'rm -rf ~' | sh"]
    );
    assert!(shells(Language::Awk, "/rm -rf/ { print FILENAME }").is_empty());
    assert!(shells(Language::Awk, "{ print \"rm -rf \" $1 }").is_empty());
    assert_eq!(
        shells(Language::Lua, "os.execute('rm -rf /')"),
        ["rm -rf /"]
    );
}

#[test]
fn code_sources_follow_each_interpreters_options() {
    let sources = |program: &str, args: &[&str]| -> Vec<String> {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        code_of(program, &args)
            .map(|(_, s)| {
                s.into_iter()
                    .map(|s| match s {
                        Source::Inline { code, .. } => format!("code:{code}"),
                        Source::Stdin => "stdin".into(),
                        Source::File(p) => format!("file:{p}"),
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(sources("python3", &["-c", "x"]), ["code:x"]);
    assert_eq!(sources("python3", &["-Ic", "x"]), ["code:x"]);
    assert_eq!(sources("python3", &["-"]), ["stdin"]);
    assert_eq!(sources("python3", &[]), ["stdin"]);
    assert_eq!(sources("python3", &["run.py", "a"]), ["file:run.py"]);
    assert!(sources("python3", &["-m", "pytest"]).is_empty());
    assert_eq!(sources("node", &["-e", "x"]), ["code:x"]);
    assert_eq!(
        sources("perl", &["-MFile::Path=rmtree", "-e", "x"]),
        ["code:x"]
    );
    assert_eq!(sources("perl", &["-ne", "x", "f"]), ["code:x"]);
    assert_eq!(sources("awk", &["-F:", "{print}", "f"]), ["code:{print}"]);
    assert_eq!(sources("psql", &["-d", "app"]), ["stdin"]);
    assert_eq!(sources("psql", &["-c", "x"]), ["code:x"]);
    assert_eq!(sources("sqlite3", &["a.db", "x"]), ["code:x"]);
    assert_eq!(sources("deno", &["eval", "x"]), ["code:x"]);
    assert!(sources("deno", &["run", "x.ts"]).is_empty());
    assert_eq!(sources("redis-cli", &[]), ["stdin"]);
    assert!(sources("redis-cli", &["FLUSHALL"]).is_empty());
    assert!(sources("git", &["status"]).is_empty());
}
