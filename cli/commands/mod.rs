//! One module per subcommand.

pub mod anchors;
pub mod check;
pub mod docs;
pub mod drift;
pub mod hook;
pub mod index;
pub mod mcp;
pub mod model;
pub mod pack;
pub mod plan;
pub mod search;
pub mod serve;
pub mod status;
