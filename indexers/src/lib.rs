//! ctx indexers
