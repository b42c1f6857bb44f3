//! Anchors: a project's global constraints as first-class records.
