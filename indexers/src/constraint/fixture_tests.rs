//! Extraction tests on fixture documents written in many styles
//! (`indexers/tests/fixtures/constraints/`).

use super::extract_anchors;
use ctx_engine::anchor::{
    evaluate_anchor, Anchor, AnchorSource, GitMatcher, Matcher, PathMatcher, Polarity, Severity,
};
use ctx_engine::check::{ActionFacts, AddedLine, FileEffect, FileOp, Invocation};

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../tests/fixtures/constraints/", $name))
    };
}

fn find<'a>(anchors: &'a [Anchor], needle: &str) -> &'a Anchor {
    anchors
        .iter()
        .find(|a| a.text.contains(needle))
        .unwrap_or_else(|| {
            panic!(
                "no anchor containing {needle:?} in {:#?}",
                anchors.iter().map(|a| &a.text).collect::<Vec<_>>()
            )
        })
}

fn line(anchor: &Anchor) -> u32 {
    match anchor.source {
        AnchorSource::Doc { line, .. } => line,
        _ => panic!("not a doc anchor"),
    }
}

fn command(line: &str) -> ActionFacts {
    let words: Vec<String> = line.split_whitespace().map(String::from).collect();
    ActionFacts {
        command: Some(line.into()),
        invocations: vec![Invocation {
            program: words[0].clone(),
            args: words[1..].to_vec(),
            raw: line.into(),
            wrappers: vec![],
            piped_input: false,
            cwd: None,
            from_code: false,
            background: false,
        }],
        effects: vec![],
    }
}

fn write(path: &str, lines: &[&str]) -> ActionFacts {
    ActionFacts {
        command: None,
        invocations: vec![],
        effects: vec![FileEffect {
            path: path.into(),
            op: FileOp::Write,
            added: lines
                .iter()
                .enumerate()
                .map(|(i, t)| AddedLine {
                    line: Some(i as u32 + 1),
                    text: t.to_string(),
                })
                .collect(),
            removed: vec![],
            via: "Write tool".into(),
        }],
    }
}

fn hits(anchor: &Anchor, facts: &ActionFacts) -> bool {
    !evaluate_anchor(anchor, None, facts).is_empty()
}

/// True when `anchor` fires on the command `line` run in `cwd` of the repository `/work/repo`.
fn run_in(anchor: &Anchor, line: &str, cwd: &str) -> bool {
    let mut facts = command(line);
    facts.invocations[0].cwd = Some(cwd.into());
    let root = std::path::Path::new("/work/repo");
    !evaluate_anchor(anchor, Some(root), &facts).is_empty()
}

#[test]
fn bullets_compile_to_the_expected_matchers() {
    let anchors = extract_anchors("AGENTS.md", fixture!("bullets-AGENTS.md"));
    let push = find(&anchors, "force-push");
    assert_eq!(line(push), 5);
    assert_eq!(push.polarity, Polarity::Never);
    assert_eq!(
        push.matchers,
        vec![Matcher::Git(GitMatcher::ForcePush {
            branches: vec!["main".into()]
        })]
    );

    let generated = find(&anchors, "generated/");
    assert_eq!(line(generated), 6);
    assert_eq!(
        generated.matchers,
        vec![Matcher::Path(PathMatcher::new(vec!["generated/**".into()]))]
    );
    assert!(hits(generated, &write("generated/a.rs", &[])));
    assert!(!hits(generated, &write("src/a.rs", &[])));

    let locked = find(&anchors, "--locked");
    assert_eq!(locked.polarity, Polarity::Always);
    assert!(hits(locked, &command("cargo build")));
    assert!(!hits(locked, &command("cargo build --locked")));

    let unwrap = find(&anchors, "unwrap()");
    assert_eq!(unwrap.scope, ["src/**"]);
    assert!(hits(unwrap, &write("src/lib.rs", &["let x = y.unwrap();"])));
    assert!(!hits(
        unwrap,
        &write("tests/a.rs", &["let x = y.unwrap();"])
    ));

    let deps = find(&anchors, "dependencies");
    assert_eq!(deps.matchers[0].kind(), "dependency");
    assert!(hits(deps, &command("cargo add serde")));

    let pip = find(&anchors, "not pip");
    assert!(hits(pip, &command("pip install x")));
    assert!(hits(pip, &command("pip3 install x")));
    assert!(!hits(pip, &command("uv add x")));

    let verify = find(&anchors, "--no-verify");
    assert!(hits(verify, &command("git commit -m x --no-verify")));

    let allowed = find(&anchors, "wp-content");
    assert_eq!(allowed.polarity, Polarity::Allowed);
    assert!(hits(allowed, &write("wp-content/themes/a.php", &[])));

    let short = find(&anchors, "Keep functions short");
    assert!(short.matchers.is_empty());
    assert_eq!(
        short.severity,
        Severity::Warn,
        "an imperative with nothing to check reminds"
    );
    assert_eq!(push.severity, Severity::Block);
    assert_eq!(
        deps.severity,
        Severity::Block,
        "\"without asking\": the agent cannot grant itself the exception, so it denies and says to ask"
    );
}

#[test]
fn tables_keep_their_row_line() {
    let anchors = extract_anchors("CONTRIBUTING.md", fixture!("table-CONTRIBUTING.md"));
    let lock = find(&anchors, "Cargo.lock");
    assert_eq!(line(lock), 5);
    assert!(hits(lock, &write("Cargo.lock", &[])));
    let mocks = find(&anchors, "Mocks");
    assert!(!mocks.scope.is_empty(), "\"in tests\" scopes the rule");
    assert!(hits(
        mocks,
        &write("tests/test_a.py", &["from unittest import mock"])
    ));
    assert!(!hits(
        mocks,
        &write("src/a.py", &["from unittest import mock"])
    ));
    assert_eq!(lock.severity, Severity::Block);
    assert_eq!(
        mocks.severity,
        Severity::Ask,
        "mocks are a heuristic reading: ask"
    );
    let modules = find(&anchors, "Prefer small modules");
    assert!(modules.matchers.is_empty());
    assert_eq!(modules.severity, Severity::Warn);
}

#[test]
fn prose_rules_and_ordinary_sentences() {
    let anchors = extract_anchors("README.md", fixture!("prose-README.md"));
    assert!(
        !anchors.iter().any(|a| a.text.contains("never know")),
        "{anchors:#?}"
    );
    assert!(!anchors.iter().any(|a| a.text.contains("always-on")));
    let vendor = find(&anchors, "vendor/");
    assert_eq!(line(vendor), 6);
    assert!(hits(vendor, &write("vendor/lib/a.go", &[])));
    assert_eq!(
        vendor.severity,
        Severity::Warn,
        "a README speaks to users: its rules remind, never block"
    );
    let console = find(&anchors, "console.log");
    assert!(hits(console, &write("src/app.ts", &["  console.log(x)"])));
    assert!(
        !anchors.iter().any(|a| a.text.contains("only runs on tags")),
        "a description in a README is not a rule"
    );
    let in_agents = extract_anchors("AGENTS.md", "The release pipeline only runs on tags.\n");
    assert!(
        in_agents.is_empty(),
        "a description is not a rule in an instruction file either: {in_agents:#?}"
    );
}

#[test]
fn nested_agents_md_scopes_to_its_directory() {
    let anchors = extract_anchors("web/AGENTS.md", fixture!("web-AGENTS.md"));
    let generated = find(&anchors, "generated");
    assert!(hits(generated, &write("web/generated/client.ts", &[])));
    assert!(!hits(generated, &write("generated/client.ts", &[])));
    let console = find(&anchors, "console.log");
    assert_eq!(console.scope, ["web/**"]);
    assert!(!hits(console, &write("api/a.ts", &["console.log(1)"])));
}

#[test]
fn front_matter_scopes_rules() {
    let mdc = extract_anchors(".cursor/rules/api.mdc", fixture!("rules-api.mdc"));
    let eval = find(&mdc, "eval()");
    assert_eq!(line(eval), 7);
    assert_eq!(eval.scope, ["src/api/**/*.ts"]);
    assert!(hits(eval, &write("src/api/users.ts", &["eval(code)"])));
    assert!(!hits(eval, &write("src/ui/users.ts", &["eval(code)"])));

    let claude = extract_anchors(".claude/rules/services.md", fixture!("claude-rule.md"));
    let requests = find(&claude, "requests");
    assert_eq!(requests.scope, ["services/**"]);
    assert!(hits(
        requests,
        &write("services/a.py", &["import requests"])
    ));
}

#[test]
fn code_block_comments_and_anaphora() {
    let anchors = extract_anchors("AGENTS.md", fixture!("code-comments-AGENTS.md"));
    let release = find(&anchors, "--release");
    assert_eq!(line(release), 4);
    assert!(hits(release, &command("cargo build -p core --release")));
    assert!(!hits(release, &command("cargo build -p core")));
    assert!(!anchors.iter().any(|a| a.text.contains("run tests")));
    let these = find(&anchors, "Do NOT edit these");
    assert!(hits(these, &write("tox.ini", &[])));
    assert!(hits(these, &write(".github/workflows/ci-linux.yml", &[])));
    assert!(!hits(these, &write("scripts/gen.sh", &[])));
}

#[test]
fn ids_are_stable_across_reindexing() {
    let a = extract_anchors("AGENTS.md", "- Never hand-edit `generated/`.\n");
    let b = extract_anchors(
        "AGENTS.md",
        "# Moved\n\nintro\n\n- Never hand-edit `generated/`.\n",
    );
    assert_eq!(a[0].id, b[0].id);
    assert_ne!(line(&a[0]), line(&b[0]));
}

fn read(path: &str) -> ActionFacts {
    let mut facts = write(path, &[]);
    facts.effects[0].op = FileOp::Read;
    facts
}

#[test]
fn read_verbs_forbid_reads_and_change_verbs_do_not() {
    let doc = "# Rules\n\n- Never read `.env` files.\n- Don't cat `config/credentials.yml`.\n- Never read or modify `secrets/`.\n- Never edit `vendor/`.\n";
    let anchors = extract_anchors("AGENTS.md", doc);
    let env = find(&anchors, "`.env`");
    assert!(hits(env, &read(".env")));
    assert!(!hits(env, &write(".env", &["A=1"])));
    let creds = find(&anchors, "credentials");
    assert!(hits(creds, &read("config/credentials.yml")));
    assert!(!hits(creds, &write("config/credentials.yml", &["a: 1"])));
    let secrets = find(&anchors, "read or modify");
    assert!(hits(secrets, &read("secrets/prod.json")));
    assert!(hits(secrets, &write("secrets/prod.json", &["{}"])));
    let vendor = find(&anchors, "vendor");
    assert!(hits(vendor, &write("vendor/a.go", &["package a"])));
    assert!(!hits(vendor, &read("vendor/a.go")));
}

#[test]
fn code_a_rule_keeps_is_caught_when_removed_not_when_added() {
    let doc = "# Rules\n\n- Never remove the `// SAFETY:` comments.\n- Do not delete `#[must_use]` attributes.\n";
    let anchors = extract_anchors("AGENTS.md", doc);
    let safety = find(&anchors, "SAFETY");
    let mut removal = write("src/a.rs", &["unsafe { f() }"]);
    removal.effects[0].op = FileOp::Edit;
    removal.effects[0].removed = vec!["// SAFETY: f has no preconditions".into()];
    assert!(hits(safety, &removal));
    assert!(!hits(
        safety,
        &write("src/a.rs", &["// SAFETY: checked above", "unsafe { f() }"])
    ));
    let must_use = find(&anchors, "must_use");
    let mut dropped = write("src/b.rs", &["pub fn f() -> u8 { 1 }"]);
    dropped.effects[0].removed = vec!["#[must_use]".into(), "pub fn f() -> u8 { 1 }".into()];
    assert!(hits(must_use, &dropped));
    assert!(!hits(must_use, &write("src/b.rs", &["#[must_use]"])));
    let doc = "# Names\n\n`@objc(RCPurchases)` and `@objc(RCCustomerInfo)` name the Obj-C classes. Don't remove or change these.\n\n- `gen/` holds generated code.\n";
    let anchors = extract_anchors("AGENTS.md", doc);
    let names = find(&anchors, "Don't remove");
    let mut renamed = write(
        "Sources/CustomerInfo.swift",
        &["public final class CustomerInfo {"],
    );
    renamed.effects[0].removed =
        vec!["@objc(RCCustomerInfo) public final class CustomerInfo {".into()];
    assert!(hits(names, &renamed));
    assert!(!hits(
        names,
        &write("Sources/Other.swift", &["@objc(RCOther) class Other {}"])
    ));
    let mut gen = write("gen/a.rs", &["x"]);
    gen.effects[0].op = FileOp::Delete;
    assert!(
        !hits(names, &gen),
        "a finished sentence does not point at the list after it"
    );
}

#[test]
fn kinds_of_file_named_in_words_are_their_globs() {
    let doc = "# Rules\n\n- NEVER read entire CSV files - use SQL queries to retrieve only the rows you need.\n- Do not edit JSON files by hand.\n- Don't create Python files in the root.\n";
    let anchors = extract_anchors("AGENTS.md", doc);
    let csv = find(&anchors, "CSV files");
    assert!(hits(csv, &read("data/endpoints.csv")));
    assert!(!hits(csv, &read("data/endpoints.sql")));
    assert!(!hits(csv, &write("data/endpoints.csv", &["a,b"])));
    let json = find(&anchors, "JSON files");
    assert!(hits(json, &write("config/app.json", &["{}"])));
    assert!(!hits(json, &read("config/app.json")));
    let placed = find(&anchors, "Python files");
    assert!(!hits(placed, &write("src/app.py", &["x = 1"])));
}

#[test]
fn code_required_at_a_position_in_all_files_means_the_files_of_the_documents_language() {
    let ruby = "# Style\n\n```ruby\nputs 1\n```\n\n```bash\nbin/test\n```\n\n- Use `# frozen_string_literal: true` at top of all files\n";
    let anchors = extract_anchors("AGENTS.md", ruby);
    let magic = find(&anchors, "frozen_string_literal");
    assert_eq!(magic.severity, Severity::Block, "{:?}", magic.tier_reason);
    assert!(hits(magic, &write("lib/a.rb", &["module A", "end"])));
    let with = ["# frozen_string_literal: true", "", "module A", "end"];
    assert!(!hits(magic, &write("lib/a.rb", &with)));
    for other in ["config/a.yml", "bin/setup.sh", "README.md"] {
        assert!(!hits(magic, &write(other, &["x: 1"])), "{other}: not Ruby");
    }
    let js = "# Code\n\n```js\nexport const a = 1;\n```\n\nPut `'use strict';` as the first line of every new file.\n";
    let anchors = extract_anchors("AGENTS.md", js);
    let strict = find(&anchors, "use strict");
    assert!(hits(strict, &write("src/a.js", &["export const b = 2;"])));
    assert!(!hits(strict, &write("src/a.py", &["b = 2"])));
    // No position, no verb that carries: nothing required.
    let anywhere =
        "# Code\n\n```js\nexport const a = 1;\n```\n\nUse `'use strict';` in all files.\n";
    let anchors = extract_anchors("AGENTS.md", anywhere);
    assert!(anchors
        .iter()
        .flat_map(|a| &a.matchers)
        .all(|m| !matches!(m, Matcher::Code(c) if c.required)));
}

#[test]
fn a_header_shown_below_its_rule_is_required_in_files_of_its_kind() {
    let text = "# Style\n\nAll C# files require this header (enforced by .editorconfig):\n\n```csharp\n// Copyright (c) Contoso Ltd.\n// Licensed under the MIT license.\n```\n\nEvery new Go file must start with this header:\n\n```go\n// Copyright 2024 The Gopher Authors\n```\n\nRun the build like this:\n\n```sh\nmake build\n```\n\n**License header** — all new files must include:\n```c\n/*\n * Copyright (c) Example Contributors\n * SPDX-License-Identifier: BSD-3-Clause\n */\n```\n\nAll new scripts must include:\n```sh\nset -euo pipefail\n```\n";
    let anchors = extract_anchors("AGENTS.md", text);
    let cs = find(&anchors, "C# files");
    assert_eq!(cs.severity, Severity::Block, "{:?}", cs.tier_reason);
    let header = [
        "// Copyright (c) Contoso Ltd.",
        "// Licensed under the MIT license.",
    ];
    assert!(hits(cs, &write("src/Parser.cs", &["namespace Demo;"])));
    assert!(!hits(
        cs,
        &write("src/Parser.cs", &[header[0], header[1], "namespace Demo;"])
    ));
    assert!(
        !hits(cs, &write("src/parser.py", &["import os"])),
        "other kinds"
    );
    let go = find(&anchors, "Go file");
    assert!(hits(go, &write("pkg/a.go", &["package a"])));
    assert!(
        !hits(
            go,
            &write(
                "pkg/a.go",
                &["// Copyright 2026 The Gopher  Authors", "package a"]
            )
        ),
        "any year, any spacing"
    );
    assert!(
        anchors.iter().all(|a| !a.text.contains("Run the build")
            || a.matchers.iter().all(|m| !matches!(m, Matcher::Code(_)))),
        "a block shown for another purpose is no header"
    );
    let c = find(&anchors, "all new files must include");
    assert!(hits(c, &write("src/util.c", &["#include \"server.h\""])));
    let licensed = [
        "/*",
        " * Copyright (c) Example Contributors",
        " * SPDX-License-Identifier: BSD-3-Clause",
        " */",
        "#include \"server.h\"",
    ];
    assert!(!hits(c, &write("src/util.c", &licensed)));
    assert!(
        hits(c, &write("src/util.c", &["/* a comment */", "int x;"])),
        "an opening `/*` is no header: {:?}",
        c.matchers
    );
    let scripts = find(&anchors, "All new scripts");
    assert!(
        !hits(scripts, &write("run.sh", &["echo hi"])),
        "no header is spoken of"
    );
}

#[test]
fn emoji_rules_hold_where_they_say() {
    let text = "# Style\n\n- Never use emoji in commit messages.\n- No emojis in code.\n- Do not use emoji in documentation, including headings.\n";
    let anchors = extract_anchors("AGENTS.md", text);
    let commits = find(&anchors, "commit messages");
    assert!(hits(commits, &command("git commit -m ✨_add_parser")));
    assert!(!hits(commits, &command("git commit -m feat:_add_parser")));
    let code = find(&anchors, "in code");
    assert!(hits(code, &write("src/app.py", &["print(\"done 🚀\")"])));
    assert!(
        !hits(code, &write("src/app.py", &["# Copyright © 2026"])),
        "a text symbol"
    );
    assert!(
        !hits(code, &write("README.md", &["## 🚀 Start"])),
        "docs are another rule's"
    );
    let docs = find(&anchors, "documentation");
    assert!(hits(docs, &write("docs/start.md", &["## 🚀 Start"])));
    assert!(!hits(docs, &write("src/app.py", &["print(\"done 🚀\")"])));
}

#[test]
fn a_rule_on_pull_request_titles_judges_titles_not_commits() {
    let text = "# Git\n\n- PR titles must follow Conventional Commits.\n\n# Both\n\n- Commit messages and PR titles must follow Conventional Commits.\n";
    let anchors = extract_anchors("AGENTS.md", text);
    let titles = anchors
        .iter()
        .find(|a| a.text == "PR titles must follow Conventional Commits.")
        .expect("the title rule");
    let titled = |title: &str| {
        let mut facts = command("gh pr create --title");
        facts.invocations[0].args.push(title.to_string());
        facts
    };
    assert!(hits(titles, &titled("Add parser")));
    assert!(!hits(titles, &titled("feat: add parser")));
    assert!(
        !hits(titles, &command("git commit -m Add_parser")),
        "commits are not titles"
    );
    let both = find(&anchors, "Commit messages and PR titles");
    assert!(hits(both, &command("gh pr edit 12 --title Add_parser")));
    assert!(hits(both, &command("git commit -m Add_parser")));
}

#[test]
fn examples_of_a_class_given_up_are_ruled_out() {
    let text = "# Code\n\n- Use project specific exceptions instead of global exception classes like \\RuntimeException, \\InvalidArgumentException etc.\n- Use `Clock` instead of `SystemTime`.\n";
    let anchors = extract_anchors("AGENTS.md", text);
    let exceptions = find(&anchors, "global exception classes");
    let thrown = |line: &str| write("src/Store.php", &[line]);
    assert!(hits(
        exceptions,
        &thrown("throw new \\InvalidArgumentException('no vector');")
    ));
    assert!(hits(
        exceptions,
        &thrown("throw new \\RuntimeException('x');")
    ));
    assert!(!hits(
        exceptions,
        &thrown("throw new InvalidVectorException('no vector');")
    ));
    assert!(
        !hits(
            exceptions,
            &thrown("throw new \\Symfony\\AI\\Store\\Exception\\InvalidArgumentException('x');")
        ),
        "the component's own class of the same name"
    );
    let clock = find(&anchors, "`SystemTime`");
    assert_eq!(
        clock.severity,
        Severity::Block,
        "what `instead of` gives up is the object itself, not a qualifier"
    );
    assert!(hits(
        clock,
        &write("src/a.rs", &["let t = SystemTime::now();"])
    ));
    assert!(!hits(clock, &write("src/a.rs", &["let t = Clock::now();"])));
}

#[test]
fn banned_import_globs_judge_imports() {
    let text = "# Style\n\n- **Banned imports:** Checkstyle blocks all `*.shaded.*` imports.\n- Never import `com.acme.internal.*`.\n";
    let anchors = extract_anchors("AGENTS.md", text);
    let shaded = find(&anchors, "shaded");
    let java = |line: &str| write("core/src/test/java/a/ATest.java", &[line]);
    assert!(hits(
        shaded,
        &java("import org.testcontainers.shaded.com.google.common.collect.ImmutableList;")
    ));
    assert!(!hits(
        shaded,
        &java("import com.google.common.collect.ImmutableList;")
    ));
    assert!(
        !hits(shaded, &write("docs/shaded.md", &["the shaded jar"])),
        "not an import"
    );
    let internal = find(&anchors, "internal");
    assert!(hits(
        internal,
        &java("import static com.acme.internal.Util.run;")
    ));
    assert!(!hits(internal, &java("import com.acme.api.Client;")));
}

#[test]
fn a_path_with_stand_ins_is_a_layout_at_any_depth() {
    let text =
        "# Layout\n\n- Sources use a flat layout (do not re-introduce `src/<platform>Main/...`).\n";
    let anchors = extract_anchors("AGENTS.md", text);
    let layout = find(&anchors, "re-introduce");
    assert!(hits(
        layout,
        &write("client/core/src/jvmMain/kotlin/a/Proxy.kt", &["package a"])
    ));
    assert!(hits(
        layout,
        &write("src/commonMain/kotlin/A.kt", &["package a"])
    ));
    assert!(!hits(
        layout,
        &write("client/core/jvm/src/a/Proxy.kt", &["package a"])
    ));
}

#[test]
fn commands_a_rule_says_run_from_the_root_are_judged_by_where_they_run() {
    let text = "# Quality\n\nThe project uses a fixer. Always run from the repository root:\n```bash\n# Fix code style issues\nvendor/bin/php-cs-fixer fix\n\n# Fix specific directories\nvendor/bin/php-cs-fixer fix src/platform/\n```\n\nStatic analysis (per component):\n```bash\ncd src/platform && vendor/bin/phpstan analyse\n```\n\n- Run `make lint` from the root of the repo.\n";
    let anchors = extract_anchors("AGENTS.md", text);
    let fixer = find(&anchors, "Always run from the repository root");
    assert!(run_in(
        fixer,
        "vendor/bin/php-cs-fixer fix",
        "/work/repo/src/platform"
    ));
    assert!(!run_in(fixer, "vendor/bin/php-cs-fixer fix", "/work/repo"));
    assert!(
        !run_in(
            fixer,
            "vendor/bin/phpstan analyse",
            "/work/repo/src/platform"
        ),
        "the block below the rule names the fixer only"
    );
    let lint = find(&anchors, "make lint");
    assert!(run_in(lint, "make lint", "/work/repo/web"));
    assert!(!run_in(lint, "make lint", "/work/repo"));
    assert!(!run_in(lint, "make test", "/work/repo/web"));
}

#[test]
fn commands_a_rule_keeps_away_from_the_root_are_judged_by_where_they_run() {
    let text = "# Workflow\n\n- Run commands from inside the relevant project directory (e.g. `cd nx && mix test`), not from the repo root.\n";
    let anchors = extract_anchors("AGENTS.md", text);
    let rule = find(&anchors, "not from the repo root");
    assert!(run_in(rule, "mix test", "/work/repo"), "{rule:?}");
    assert!(!run_in(rule, "mix test", "/work/repo/nx"));
    assert!(
        !run_in(rule, "git status", "/work/repo"),
        "the commands the example runs"
    );
}

#[test]
fn commands_a_rule_says_run_in_a_directory_are_judged_by_where_they_run() {
    let text = "# Build\n\n- There is no root `Cargo.toml`; run core cargo commands from `core/`.\n- Always run `npm install` in the `web` directory.\n- Run `eslint` on files in `src/`.\n- Run migrations from `db/migrate` with rails.\n";
    let anchors = extract_anchors("AGENTS.md", text);
    let cargo = find(&anchors, "core cargo commands");
    assert!(run_in(cargo, "cargo clippy --workspace", "/work/repo"));
    assert!(run_in(cargo, "cargo test", "/work/repo/bindings"));
    assert!(!run_in(cargo, "cargo test", "/work/repo/core/services/s3"));
    assert!(!run_in(
        cargo,
        "cargo build --manifest-path core/Cargo.toml",
        "/work/repo"
    ));
    assert!(!run_in(cargo, "npm test", "/work/repo"));
    let npm = find(&anchors, "npm install");
    assert!(run_in(npm, "npm install", "/work/repo"));
    assert!(!run_in(npm, "npm install", "/work/repo/web"));
    assert!(
        !run_in(npm, "npm test", "/work/repo"),
        "the rule names `npm install`"
    );
    for other in ["on files in", "Run migrations"] {
        let anchor = find(&anchors, other);
        assert!(
            !run_in(anchor, "eslint .", "/work/repo/lib")
                && !run_in(anchor, "rails db:migrate", "/work/repo"),
            "{other}: the directory is not where the command runs"
        );
    }
}

#[test]
fn a_qualifier_the_document_spells_as_an_option_is_required() {
    let text = "# Style\n\n1. **Formatting**: Always use nightly rustfmt\n   ```bash\n   cargo +nightly fmt --all\n   ```\n\n2. **Types**: Always run all checks with mypy in strict mode\n   ```bash\n   mypy --strict --all src\n   ```\n\n3. Use strict pyright.\n";
    let anchors = extract_anchors("AGENTS.md", text);
    let fmt = find(&anchors, "nightly rustfmt");
    assert!(hits(fmt, &command("cargo fmt --all")));
    assert!(hits(fmt, &command("cargo fmt -p reth-net")));
    assert!(!hits(fmt, &command("cargo +nightly fmt --all")));
    assert!(
        !hits(fmt, &command("cargo build")),
        "only the tool the rule names"
    );
    let mypy = find(&anchors, "strict mode");
    assert!(hits(mypy, &command("mypy src")));
    assert!(
        hits(mypy, &command("mypy --all src")),
        "`all` qualifies nothing"
    );
    assert!(!hits(mypy, &command("mypy --strict src")));
    let pyright = find(&anchors, "strict pyright");
    assert!(
        !hits(pyright, &command("pyright src")),
        "no example spells the word"
    );
}

#[test]
fn a_program_a_required_runner_starts_is_broken_when_run_alone() {
    let text = "# Tools\n\n- Use `fvm flutter` / `fvm dart` instead of the system-wide toolchain.\n- Use `pnpm bazel test //target` to run tests.\n- Use `pip install black` to get the formatter.\n- Use `python -m pytest` for tests.\n- Run a single test: `uv run pytest path/to/test.py::test_name`\n";
    let anchors = extract_anchors("AGENTS.md", text);
    let fvm = find(&anchors, "fvm flutter");
    assert!(hits(fvm, &command("flutter test test/widget_test.dart")));
    assert!(hits(fvm, &command("dart run build_runner build")));
    assert!(!hits(fvm, &command("fvm flutter test")));
    let bazel = find(&anchors, "pnpm bazel");
    assert!(hits(bazel, &command("bazel test //packages/core:test")));
    assert!(!hits(
        bazel,
        &command("pnpm bazel test //packages/core:test")
    ));
    assert!(
        !hits(bazel, &command("bazel build //packages/core")),
        "the subcommand named"
    );
    let black = find(&anchors, "pip install black");
    assert!(
        !hits(black, &command("black src")),
        "`pip install` is no runner"
    );
    let pytest = find(&anchors, "python -m pytest");
    assert!(
        !hits(pytest, &command("pytest -x")),
        "`-m` is no runner word"
    );
    let recipe = find(&anchors, "a single test");
    assert!(
        !hits(recipe, &command("pytest -x")),
        "a recipe chooses no tool"
    );
}

#[test]
fn actions_a_rule_makes_wait_for_the_users_word_are_stopped() {
    let text = "# GitHub\n\n[IMPORTANT] Before creating an issue or PR with the gh command, please show a preview of the PR/issue first.\n\n- Always ask the user before opening a pull request.\n- Before committing, run the tests.\n- Ask for a review before merging pull requests.\n";
    let anchors = extract_anchors("AGENTS.md", text);
    let preview = find(&anchors, "show a preview");
    assert!(hits(
        preview,
        &command("gh issue create --title Bug --body-file /tmp/b.md")
    ));
    assert!(hits(preview, &command("gh pr create --fill")));
    assert!(!hits(preview, &command("gh pr view 12")));
    let ask = find(&anchors, "ask the user before opening");
    assert!(hits(ask, &command("gh pr create --fill")));
    assert!(!hits(ask, &command("gh issue create --title x")));
    for other in ["run the tests", "Ask for a review"] {
        let anchor = find(&anchors, other);
        assert!(
            !hits(anchor, &command("git commit -m 'Fix'"))
                && !hits(anchor, &command("gh pr merge 3")),
            "{other}: no gate of the user's word"
        );
    }
}

#[test]
fn code_a_rule_forbids_creating_is_caught_when_added() {
    let text =
        "# Infra\n\n- **Do not** create target-specific service accounts (e.g., `cloud_run_sa`)\n";
    let anchors = extract_anchors("AGENTS.md", text);
    let accounts = find(&anchors, "service accounts");
    let tf = |line: &str| write("deploy/cloud_run/sa.tf", &[line]);
    assert!(hits(
        accounts,
        &tf("resource \"google_service_account\" \"cloud_run_sa\" {")
    ));
    assert!(!hits(
        accounts,
        &tf("resource \"google_service_account\" \"app_sa\" {")
    ));
}

#[test]
fn a_file_a_rule_says_not_to_use_is_not_given_to_any_command() {
    let text = "# Release\n\n- Do not use `sparkle-private-key-KEEP-SECURE.txt`; that is another app's key.\n";
    let anchors = extract_anchors("AGENTS.md", text);
    let key = find(&anchors, "KEEP-SECURE");
    assert!(hits(
        key,
        &command("sign_update --ed-key-file ~/keys/sparkle-private-key-KEEP-SECURE.txt App.zip")
    ));
    assert!(!hits(
        key,
        &command("sign_update --ed-key-file ~/keys/release.pem App.zip")
    ));
    assert!(hits(
        key,
        &write(
            ".mac-release.env",
            &["KEY_FILE=\"$HOME/Downloads/sparkle-private-key-KEEP-SECURE.txt\""]
        )
    ));
    assert!(!hits(
        key,
        &write(".mac-release.env", &["KEY_FILE=release.pem"])
    ));
    assert!(hits(key, &read("keys/sparkle-private-key-KEEP-SECURE.txt")));
}

#[test]
fn a_rule_against_backgrounding_judges_background_runs_of_what_it_names() {
    let text = "# Release\n\n- Release flow: `./Scripts/release.sh`.\n\n# Notes\n\n- Release script: keep it in the foreground; do not background it—wait until it finishes.\n- Never run `make check` in the background.\n";
    let anchors = extract_anchors("AGENTS.md", text);
    let background = |line: &str| {
        let mut facts = command(line);
        facts.invocations[0].background = true;
        facts
    };
    let release = find(&anchors, "Release script");
    assert!(hits(release, &background("./Scripts/release.sh")));
    assert!(!hits(release, &command("./Scripts/release.sh")));
    assert!(!hits(release, &background("./Scripts/build.sh")));
    let check = find(&anchors, "make check");
    assert!(hits(check, &background("make check")));
    assert!(!hits(check, &command("make check")));
}

#[test]
fn a_place_after_outside_is_where_the_files_belong() {
    let text = "# Tests\n\n- Don't put unit tests outside `tests/strands/` structure\n";
    let anchors = extract_anchors("AGENTS.md", text);
    let tests = find(&anchors, "outside");
    assert!(hits(
        tests,
        &write("src/strands/test_agent.py", &["def test_a(): pass"])
    ));
    assert!(!hits(
        tests,
        &write("tests/strands/agent/test_agent.py", &["def test_a(): pass"])
    ));
    assert!(!hits(tests, &write("src/strands/agent.py", &["x = 1"])));
    assert!(
        !hits(tests, &write("tests/fixtures/empty.json", &["{}"])),
        "a fixture is not a unit test"
    );
}

#[test]
fn creating_or_switching_branches_named_in_words() {
    let text = "# Git\n\n- Do not create or switch to another Git worktree, and do not create or switch branches, unless the user explicitly asks for it.\n- Never commit directly to `main`; create a branch instead.\n";
    let anchors = extract_anchors("AGENTS.md", text);
    let branches = find(&anchors, "worktree");
    assert!(hits(branches, &command("git checkout -b feat/x")));
    assert!(hits(branches, &command("git switch main")));
    assert!(hits(branches, &command("git worktree add ../wt feat")));
    assert!(!hits(branches, &command("git checkout -- src/a.rs")));
    assert!(!hits(branches, &command("git status")));
    let instead = find(&anchors, "instead");
    assert!(!hits(instead, &command("git checkout -b feat/x")));
}

#[test]
fn a_rule_naming_which_dependencies_forbids_those_not_all() {
    let text = "# Modules\n\n- Never depend on another module's `:internal` modules.\n- Never add new dependencies without asking.\n";
    let anchors = extract_anchors("AGENTS.md", text);
    let gradle = |dep: &str| write("feature/a/build.gradle.kts", &[dep]);
    let internal = find(&anchors, ":internal");
    assert!(hits(
        internal,
        &gradle("    implementation(project(\":core:internal\"))")
    ));
    assert!(
        hits(
            internal,
            &gradle("    implementation(projects.feature.account.internal)")
        ),
        "the type-safe accessor of a project path"
    );
    assert!(
        !hits(
            internal,
            &gradle("    implementation(project(\":core:api\"))")
        ),
        "an API module is not what the rule names"
    );
    assert!(!hits(
        internal,
        &gradle("    implementation(projects.core.api)")
    ));
    let any = find(&anchors, "new dependencies");
    assert!(hits(
        any,
        &gradle("    implementation(project(\":core:api\"))")
    ));
}

#[test]
fn code_required_where_other_code_appears() {
    let text = "# Cops\n\nKey conventions:\n\n- **`RESTRICT_ON_SEND`** — list method names so `on_send` is only called for those methods. Required when using `on_send`.\n\n## Common Mistakes\n\n1. **Missing `extend AutoCorrector`** — always add this whenever you call `corrector`.\n2. When using `CreateArgSlice`, always call `RewindScratchBuffer` after use.\n";
    let anchors = extract_anchors("AGENTS.md", text);
    let restrict = find(&anchors, "Required when using");
    let cop = |lines: &[&str]| write("lib/cop/a.rb", lines);
    assert!(hits(restrict, &cop(&["class A", "  def on_send(node)"])));
    assert!(!hits(
        restrict,
        &cop(&["RESTRICT_ON_SEND = %i[dup].freeze", "def on_send(node)"])
    ));
    assert!(!hits(restrict, &cop(&["def on_block(node)"])), "no trigger");
    let corrector = find(&anchors, "AutoCorrector");
    assert_eq!(corrector.severity, Severity::Block);
    assert!(hits(corrector, &cop(&["add_offense(node) do |corrector|"])));
    assert!(!hits(
        corrector,
        &cop(&["extend AutoCorrector", "add_offense(node) do |corrector|"])
    ));
    let slice = find(&anchors, "CreateArgSlice");
    assert!(hits(slice, &write("a.cs", &["var s = CreateArgSlice(x);"])));
    assert!(!hits(
        slice,
        &write(
            "a.cs",
            &["var s = CreateArgSlice(x);", "RewindScratchBuffer(s);"]
        )
    ));
}

#[test]
fn actions_a_mistakes_section_names_are_forbidden() {
    let text = "# Contributing\n\n## Common Mistakes\n\n1. **Manually creating changelog files** — use the rake tasks instead.\n2. **Hardcoded URLs**: use relative paths.\n";
    let anchors = extract_anchors("AGENTS.md", text);
    let manual = find(&anchors, "Manually creating");
    assert_eq!(
        manual.text,
        "**Manually creating changelog files** — use the rake tasks instead."
    );
    assert!(hits(
        manual,
        &write("changelog/fix_a_bug.md", &["* Fix a bug."])
    ));
    assert!(!hits(manual, &write("lib/a.rb", &["x = 1"])));
    assert!(
        anchors
            .iter()
            .all(|a| a.matchers.is_empty() || !a.text.contains("Hardcoded")),
        "a thing named as a mistake is not an action"
    );
}

#[test]
fn a_verb_left_without_object_acts_on_the_code_named_before() {
    let text = "# Style\n\n- 4-space indent, explicit `self` is intentional—do not remove.\n";
    let anchors = extract_anchors("AGENTS.md", text);
    let keep = find(&anchors, "explicit");
    let mut edit = write("Sources/A.swift", &["        isRefreshing = true"]);
    edit.effects[0].op = FileOp::Edit;
    edit.effects[0].removed = vec!["        self.isRefreshing = true".into()];
    assert!(hits(keep, &edit));
    edit.effects[0].added[0].text = "        self.isRefreshing = false".into();
    assert!(!hits(keep, &edit));
}

#[test]
fn a_qualified_concept_asks_and_a_condition_names_no_dependency() {
    let text = "# Deps\n\n- Never introduce dependencies with known vulnerabilities.\n- **Never** add Hadoop dependencies where `FileIO` abstractions exist.\n";
    let anchors = extract_anchors("AGENTS.md", text);
    let gradle = write("build.gradle", &["    implementation(libs.hadoop3.common)"]);
    let vulnerable = find(&anchors, "vulnerabilities");
    assert_eq!(
        vulnerable.severity,
        Severity::Ask,
        "ctx cannot see which are vulnerable"
    );
    let hadoop = find(&anchors, "Hadoop");
    assert!(
        hits(hadoop, &gradle),
        "`FileIO` is the condition, not the dependency"
    );
}

#[test]
fn required_forms_of_branches_and_pull_requests_are_judged() {
    let text = "# Git\n\n- **Branch names must start with `claude/`** - This is a requirement for the CI to work.\n- Open a pull request (PR) against the `main` branch on GitHub.\n- Delete branches that start with `tmp/` after merging.\n- All commits must include a DCO sign-off: `git commit -s`\n";
    let anchors = extract_anchors("AGENTS.md", text);
    let branch = find(&anchors, "Branch names");
    assert!(hits(
        branch,
        &command("git checkout -b fix-serve-keepalive")
    ));
    assert!(hits(branch, &command("git switch -c feature/serve")));
    assert!(!hits(branch, &command("git checkout -b claude/fix-serve")));
    assert!(!hits(branch, &command("git checkout main")));
    let pr = find(&anchors, "pull request (PR)");
    assert!(hits(pr, &command("gh pr create --base v2.5 --title x")));
    assert!(!hits(pr, &command("gh pr create --base main --title x")));
    assert!(
        !hits(pr, &command("gh pr create --fill")),
        "the default base"
    );
    let tmp = find(&anchors, "tmp/");
    assert!(!hits(tmp, &command("git checkout -b fix-x")));
    let dco = find(&anchors, "DCO");
    assert!(hits(dco, &command("git commit -m Fix")));
    assert!(hits(dco, &command("git commit -am Fix")));
    assert!(!hits(dco, &command("git commit -s -m Fix")));
    assert!(!hits(dco, &command("git commit --signoff -m Fix")));
}

#[test]
fn a_program_glossed_by_its_variant_is_replaced_by_it() {
    let text = "# Build\n\n- Use `sbtn` (sbt with native thin client) to run commands.\n- Use `pytest` (python test runner) for tests.\n- Use `mvn` (maven) to build.\n";
    let anchors = extract_anchors("AGENTS.md", text);
    let sbtn = find(&anchors, "sbtn");
    assert!(hits(sbtn, &command("sbt testCompilation i21000")));
    assert!(!hits(sbtn, &command("sbtn testCompilation i21000")));
    let pytest = find(&anchors, "python test runner");
    assert!(
        !hits(pytest, &command("python -m venv .venv")),
        "a gloss of its kind"
    );
    let mvn = find(&anchors, "(maven)");
    assert!(!hits(mvn, &command("mvn -q test")), "the same program");
}

#[test]
fn an_ask_first_tier_asks_for_what_its_items_name() {
    let text = "# Agents\n\n## Boundaries\n\n- ✅ **Always:** Write to `src/` and `tests/`, run tests before commits, follow naming conventions\n- ⚠️ **Ask first:** Database schema changes, adding dependencies, modifying CI/CD config\n- 🚫 **Never:** Commit secrets or API keys, edit `node_modules/` or `vendor/`\n";
    let anchors = extract_anchors("AGENTS.md", text);
    let ask = find(&anchors, "Ask first");
    assert_eq!(ask.severity, Severity::Ask, "{ask:#?}");
    assert!(hits(ask, &command("cargo add serde")));
    assert!(hits(ask, &write(".github/workflows/ci.yml", &[])));
    assert!(!hits(ask, &write("src/main.rs", &[])));
    let never = find(&anchors, "Never:");
    assert_eq!(never.severity, Severity::Block);
    assert!(hits(never, &write("vendor/a/b.go", &[])), "{never:#?}");
    assert!(!hits(never, &write("src/a.go", &[])));
    let always = anchors.iter().find(|a| a.text.contains("Always:"));
    assert!(
        always.is_none_or(|a| !hits(a, &write("docs/a.md", &[]))),
        "writing to two places is not writing only there"
    );
}

#[test]
fn an_ask_first_heading_asks_for_each_item_of_its_list() {
    for lead in ["**Ask first**", "### Ask first", "Requires approval:"] {
        let text = format!("# Agents\n\n{lead}\n\n- Adding a new dependency\n- Modifying the CI configuration\n- Keeping things tidy\n");
        let anchors = extract_anchors("AGENTS.md", &text);
        let deps = find(&anchors, "dependency");
        assert_eq!(deps.severity, Severity::Ask, "{lead}: {deps:#?}");
        assert!(hits(deps, &command("cargo add serde")), "{lead}");
        let ci = find(&anchors, "CI configuration");
        assert_eq!(ci.severity, Severity::Ask, "{lead}: {ci:#?}");
        assert!(hits(ci, &write(".gitlab-ci.yml", &[])), "{lead}");
        let tidy = anchors.iter().find(|a| a.text.contains("tidy"));
        assert!(tidy.is_none_or(|a| a.matchers.is_empty()), "{tidy:#?}");
    }
}
