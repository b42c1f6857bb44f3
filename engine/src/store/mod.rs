//! Record storage.
