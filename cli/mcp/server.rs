//! The rmcp server: tool definitions and the stdio loop.

use super::params::{
    AnchorAddParams, AnchorsParams, CheckParams, PackParams, ReindexParams, SearchParams,
    StatusParams,
};
use super::work::{self, Shared};
use crate::serve::protocol::{socket_path, Request};
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::ToolCallContext;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{tool, tool_handler, tool_router, ErrorData, RoleServer, ServerHandler, ServiceExt};
use std::path::PathBuf;
use std::sync::Arc;

/// What the server tells the agent at initialisation.
const INSTRUCTIONS: &str = "ctx indexes this repository and holds its rules (anchors). \
Use `search` to find code by identifier or meaning, `pack` for a budget-exact context of a task, \
`anchors` to read the project's rules, `anchor_add` when the user states a rule to remember, \
and `check_action` before running a risky command or changing a file: a \"deny\" verdict means \
the project's rules forbid it. `index_status` says whether the index is stale; `reindex` updates it.";

/// The ctx MCP server for one repository.
#[derive(Clone)]
pub struct CtxServer {
    shared: Arc<Shared>,
    tool_router: ToolRouter<CtxServer>,
}

#[tool_router]
impl CtxServer {
    /// A server for the repository at `root` (canonical).
    pub fn new(root: PathBuf) -> CtxServer {
        CtxServer {
            shared: Arc::new(Shared::new(root)),
            tool_router: Self::tool_router(),
        }
    }

    #[tool(
        description = "Search the repository's index for code and docs. Returns hits with path, \
        start_line, end_line, symbol, kind, score and the chunk's text. Modes: hybrid (default: \
        words + meaning), lexical (exact words and identifiers), semantic (meaning only)."
    )]
    async fn search(&self, Parameters(params): Parameters<SearchParams>) -> CallToolResult {
        self.run(params, work::search).await
    }

    #[tool(
        description = "Build a budget-exact context pack for a task: the project's rules \
        (anchors), the task, a repository map and the most relevant code, counted with the \
        model's tokenizer. Give `budget` (default 32k tokens) or `model`. Returns the prompt \
        text followed by a JSON summary (tokens, items, what was left out)."
    )]
    async fn pack(&self, Parameters(params): Parameters<PackParams>) -> CallToolResult {
        self.run(params, work::pack).await
    }

    #[tool(
        description = "List the project's rules (anchors: built-in, pinned, extracted from docs, \
        and the plan's), or show one in full with its matchers when `id` is given."
    )]
    async fn anchors(&self, Parameters(params): Parameters<AnchorsParams>) -> CallToolResult {
        self.run(params, work::anchors).await
    }

    #[tool(
        description = "Pin a rule the user states (\"never push to main\", \"do not edit \
        generated/\") in .ctx/anchors.toml so every later action is checked against it. \
        Returns the pinned anchor with the matchers compiled from its text; add forbid_command, \
        forbid_path or forbid_pattern when the text alone is not precise."
    )]
    async fn anchor_add(&self, Parameters(params): Parameters<AnchorAddParams>) -> CallToolResult {
        self.run(params, work::anchor_add).await
    }

    #[tool(
        description = "Check an action against the project's rules before doing it: a shell \
        `command` (with optional `cwd`), a file change (`path` with the whole new `content`, or \
        with `old` and `new` text for an edit), or a unified `diff`. Returns the decision \
        (allow, warn or deny), the violated rules with evidence, and notes. Paths must be \
        inside the repository."
    )]
    async fn check_action(&self, Parameters(params): Parameters<CheckParams>) -> CallToolResult {
        self.run(params, work::check_action).await
    }

    #[tool(
        description = "Report what the index holds (files, chunks, tokens, languages, model, \
        last indexed time) and which files changed, were added or deleted since."
    )]
    async fn index_status(&self, Parameters(params): Parameters<StatusParams>) -> CallToolResult {
        self.run(params, work::index_status).await
    }

    #[tool(
        description = "Update the index: re-chunks and re-embeds only files that changed \
        (or everything with rebuild: true), and re-extracts rules from changed docs. Returns \
        counts of indexed, unchanged and deleted files."
    )]
    async fn reindex(&self, Parameters(params): Parameters<ReindexParams>) -> CallToolResult {
        self.run(params, work::reindex).await
    }
}

impl CtxServer {
    /// Runs `work` on a blocking thread; its error or panic becomes a tool error.
    async fn run<P: Send + 'static>(
        &self,
        params: P,
        work: fn(&Shared, P) -> anyhow::Result<CallToolResult>,
    ) -> CallToolResult {
        let shared = self.shared.clone();
        match tokio::task::spawn_blocking(move || work(&shared, params)).await {
            Ok(Ok(result)) => work::redacted(result),
            Ok(Err(error)) => tool_error(format!("{error:#}")),
            Err(join) => tool_error(format!(
                "internal error in ctx: {}; the server is still running, but please report this",
                panic_text(join)
            )),
        }
    }
}

impl CtxServer {
    /// The answer of the repository's `ctx serve` daemon when one runs (it holds the index
    /// open, so this process could not open it), else `None`: answer in-process.
    async fn forward(&self, tool: &str, request: &CallToolRequestParams) -> Option<CallToolResult> {
        if crate::serve::client::disabled() || !socket_path(self.shared.root()).exists() {
            return None;
        }
        let root = self.shared.root().to_path_buf();
        let forwarded = Request {
            tool: tool.to_string(),
            arguments: serde_json::Value::Object(request.arguments.clone().unwrap_or_default()),
        };
        let response =
            tokio::task::spawn_blocking(move || crate::serve::client::exchange(&root, &forwarded))
                .await
                .ok()??;
        let result = match (response.result, response.error) {
            (Some(result), _) => serde_json::from_value(result).ok(),
            (None, Some(error)) => Some(tool_error(error)),
            (None, None) => None,
        };
        result.map(work::redacted)
    }
}

fn tool_error(message: String) -> CallToolResult {
    work::redacted(CallToolResult::error(vec![ContentBlock::text(message)]))
}

fn panic_text(join: tokio::task::JoinError) -> String {
    if !join.is_panic() {
        return "the task was cancelled".into();
    }
    let payload = join.into_panic();
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
}

#[tool_handler]
impl ServerHandler for CtxServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("ctx", env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let name = request.name.to_string();
        if self.tool_router.get(&name).is_none() {
            let known: Vec<String> = self
                .tool_router
                .list_all()
                .into_iter()
                .map(|t| t.name.to_string())
                .collect();
            return Err(ErrorData::invalid_params(
                format!("unknown tool {name:?}: ctx has {}", known.join(", ")),
                None,
            ));
        }
        if let Some(result) = self.forward(&name, &request).await {
            return Ok(result.into());
        }
        let call = ToolCallContext::new(self, request, context);
        self.tool_router.call(call).await
    }
}

/// Serves MCP on stdin/stdout for the repository at `root` until the client disconnects.
pub async fn serve_stdio(root: PathBuf) -> anyhow::Result<()> {
    let service = CtxServer::new(root)
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| anyhow::anyhow!("starting the MCP session: {e}"))?;
    service
        .waiting()
        .await
        .map_err(|e| anyhow::anyhow!("MCP session ended abnormally: {e}"))?;
    Ok(())
}
