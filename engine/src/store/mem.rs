//! The in-memory store, for tests.

use super::{Area, Batch, Store};
use crate::Result;
use std::collections::BTreeMap;
use std::sync::RwLock;

/// A [`Store`] in a `BTreeMap`: nothing is persisted.
#[derive(Debug, Default)]
pub struct MemStore {
    map: RwLock<BTreeMap<Vec<u8>, Vec<u8>>>,
}

impl MemStore {
    /// An empty store.
    pub fn new() -> MemStore {
        MemStore::default()
    }
}

impl Store for MemStore {
    fn get(&self, area: Area, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self.map.read().expect("lock").get(&area.key(key)).cloned())
    }

    fn scan(&self, area: Area, prefix: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let start = area.key(prefix);
        let map = self.map.read().expect("lock");
        Ok(map
            .range(start.clone()..)
            .take_while(|(k, _)| k.starts_with(&start))
            .map(|(k, v)| (k[1..].to_vec(), v.clone()))
            .collect())
    }

    fn apply(&self, batch: Batch) -> Result<()> {
        let mut map = self.map.write().expect("lock");
        for (key, value) in batch.ops {
            match value {
                Some(value) => map.insert(key, value),
                None => map.remove(&key),
            };
        }
        Ok(())
    }

    fn flush(&self) -> Result<()> {
        Ok(())
    }
}
