//! Property tests: for any input, every line is covered by exactly one chunk, in order, and
//! the chunks' bytes tile the file.

use ctx_engine::Chunk;
use ctx_indexers::chunk::{chunk_file, ChunkLimits};
use proptest::prelude::*;

/// Paths that reach every chunker.
const PATHS: [&str; 16] = [
    "a.rs", "a.py", "a.js", "a.ts", "a.tsx", "a.go", "A.java", "a.c", "a.cpp", "a.cs", "a.rb",
    "a.sh", "a.md", "a.mdc", "a.txt", "a.json",
];

/// Fragments that open and close definitions, comments and fences in many languages, so
/// random sequences of them make plausible, often broken, source files.
const FRAGMENTS: [&str; 40] = [
    "fn f() {",
    "impl S {",
    "struct S {",
    "    x: u8,",
    "}",
    "};",
    "/// doc",
    "#[derive(Debug)]",
    "def f(self):",
    "class C:",
    "class C {",
    "    return 1",
    "@decorator",
    "function g() {",
    "export class K {",
    "  m() { return 1; }",
    "const h = () => {",
    "func (s *S) M() {",
    "type T struct {",
    "public void run() {",
    "int main(void) {",
    "namespace N {",
    "module M",
    "  def r",
    "end",
    "f() {",
    "  echo hi",
    "# Heading",
    "## Sub",
    "---",
    "title: x",
    "```",
    "    indented",
    "",
    "",
    "   ",
    "text words here",
    "/* block",
    "*/",
    "\t\u{e9}\u{1f600} unicode",
];

fn assert_covers(path: &str, bytes: &[u8], chunks: &[Chunk]) -> Result<(), TestCaseError> {
    let lines = if bytes.is_empty() {
        0
    } else {
        bytes.split(|b| *b == b'\n').count() - usize::from(bytes.ends_with(b"\n"))
    };
    let mut next_line = 1u32;
    let mut next_byte = 0u64;
    for c in chunks {
        prop_assert_eq!(
            c.start_line,
            next_line,
            "{}: line gap/overlap at {:?}",
            path,
            c
        );
        prop_assert!(c.end_line >= c.start_line);
        prop_assert_eq!(
            c.start_byte,
            next_byte,
            "{}: byte gap/overlap at {:?}",
            path,
            c
        );
        prop_assert!(c.end_byte > c.start_byte);
        let slice = &bytes[c.start_byte as usize..c.end_byte as usize];
        prop_assert_eq!(&c.text, &String::from_utf8_lossy(slice));
        next_line = c.end_line + 1;
        next_byte = c.end_byte;
    }
    prop_assert_eq!(
        next_line as usize,
        lines + 1,
        "{}: lines not all covered",
        path
    );
    prop_assert_eq!(
        next_byte as usize,
        bytes.len(),
        "{}: bytes not all covered",
        path
    );
    Ok(())
}

fn limits() -> impl Strategy<Value = ChunkLimits> {
    (1u32..200, 1u32..40, 1u32..30).prop_map(|(max_tokens, max_lines, window_lines)| ChunkLimits {
        max_tokens,
        max_lines,
        window_lines,
    })
}

fn source_of_fragments() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::collection::vec((0..FRAGMENTS.len(), 0usize..4), 0..80),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(picks, crlf, final_newline)| {
            let eol = if crlf { "\r\n" } else { "\n" };
            let mut text = picks
                .into_iter()
                .map(|(i, indent)| format!("{}{}", "  ".repeat(indent), FRAGMENTS[i]))
                .collect::<Vec<_>>()
                .join(eol);
            if final_newline {
                text.push_str(eol);
            }
            text.into_bytes()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn fragments_are_covered(bytes in source_of_fragments(), path in 0..PATHS.len(), limits in limits()) {
        let path = PATHS[path];
        let chunks = chunk_file(path, &bytes, &limits);
        assert_covers(path, &bytes, &chunks)?;
    }

    #[test]
    fn fragments_are_covered_with_default_limits(bytes in source_of_fragments(), path in 0..PATHS.len()) {
        let path = PATHS[path];
        let chunks = chunk_file(path, &bytes, &ChunkLimits::default());
        assert_covers(path, &bytes, &chunks)?;
    }

    #[test]
    fn random_bytes_are_covered(bytes in prop::collection::vec(any::<u8>(), 0..600), path in 0..PATHS.len(), limits in limits()) {
        let path = PATHS[path];
        let chunks = chunk_file(path, &bytes, &limits);
        assert_covers(path, &bytes, &chunks)?;
    }

    #[test]
    fn random_text_is_covered(text in "[a-z{}()#:;\\-` \n\t]{0,400}", path in 0..PATHS.len(), limits in limits()) {
        let path = PATHS[path];
        let chunks = chunk_file(path, text.as_bytes(), &limits);
        assert_covers(path, text.as_bytes(), &chunks)?;
    }
}
