//! Packing: budget-exact, relevance-ranked prompts.
