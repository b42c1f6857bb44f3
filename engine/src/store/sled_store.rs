//! The on-disk store, in sled.

use super::{Area, Batch, Store};
use crate::{Error, Result};
use std::path::Path;

/// A [`Store`] in a sled database directory.
pub struct SledStore {
    db: sled::Db,
}

impl SledStore {
    /// Opens (or creates) the database in `dir`.
    ///
    /// sled allows one process at a time; a database held by another process gives
    /// [`Error::Locked`].
    pub fn open(dir: &Path) -> Result<SledStore> {
        match sled::Config::new()
            .path(dir)
            .mode(sled::Mode::LowSpace)
            .open()
        {
            Ok(db) => Ok(SledStore { db }),
            Err(sled::Error::Io(e)) if e.kind() == std::io::ErrorKind::WouldBlock => {
                Err(Error::Locked(dir.to_path_buf()))
            }
            Err(sled::Error::Io(e)) if e.to_string().contains("lock") => {
                Err(Error::Locked(dir.to_path_buf()))
            }
            Err(sled::Error::Io(e)) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                Err(Error::io("opening", dir, e))
            }
            Err(e) => Err(Error::Store(format!("opening {}: {e}", dir.display()))),
        }
    }

    /// Bytes the database occupies on disk.
    pub fn size_on_disk(&self) -> u64 {
        self.db.size_on_disk().unwrap_or(0)
    }
}

impl Store for SledStore {
    fn get(&self, area: Area, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self.db.get(area.key(key))?.map(|v| v.to_vec()))
    }

    fn scan(&self, area: Area, prefix: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        self.db
            .scan_prefix(area.key(prefix))
            .map(|item| {
                let (k, v) = item?;
                Ok((k[1..].to_vec(), v.to_vec()))
            })
            .collect()
    }

    fn apply(&self, batch: Batch) -> Result<()> {
        let mut sled_batch = sled::Batch::default();
        for (key, value) in batch.ops {
            match value {
                Some(value) => sled_batch.insert(key, value),
                None => sled_batch.remove(key),
            }
        }
        self.db.apply_batch(sled_batch)?;
        Ok(())
    }

    fn flush(&self) -> Result<()> {
        self.db.flush()?;
        Ok(())
    }
}
