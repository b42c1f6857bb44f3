//! The tantivy [`Directory`] readers open a published generation's lexical index with.
//!
//! tantivy's reader takes the index's meta lock (`.tantivy-meta.lock`, a file it creates)
//! while it opens segments, so that a writer's garbage collection in the same directory
//! cannot delete them underneath. A published generation is never written again (see
//! [`crate::index::generation`]: a writer builds the next generation in a directory of its
//! own, hard-linking the files it keeps, and tantivy replaces files by rename, never in
//! place), so nothing can be collected there: the lock guards nothing, and taking it
//! needs write access to the index. [`PublishedDirectory`] hands out a lock that holds
//! no file and refuses every write, so an index its user cannot write (a shared or
//! read-only checkout) is still searchable.

use std::io;
use std::path::Path;
use std::sync::Arc;
use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    DirectoryLock, FileHandle, Lock, MmapDirectory, WatchCallback, WatchHandle, WritePtr,
};
use tantivy::Directory;

/// A published generation's lexical index, read-only; see the module docs.
#[derive(Clone, Debug)]
pub struct PublishedDirectory {
    inner: MmapDirectory,
}

impl PublishedDirectory {
    /// The index in `dir`, opened for reading only.
    pub fn open(
        dir: &Path,
    ) -> Result<PublishedDirectory, tantivy::directory::error::OpenDirectoryError> {
        Ok(PublishedDirectory {
            inner: MmapDirectory::open(dir)?,
        })
    }
}

fn refused(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!(
            "{} belongs to a published index generation, which is never written",
            path.display()
        ),
    )
}

impl Directory for PublishedDirectory {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        self.inner.get_file_handle(path)
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        Err(DeleteError::IoError {
            io_error: Arc::new(refused(path)),
            filepath: path.to_path_buf(),
        })
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.inner.exists(path)
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        Err(OpenWriteError::wrap_io_error(
            refused(path),
            path.to_path_buf(),
        ))
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.inner.atomic_read(path)
    }

    fn atomic_write(&self, path: &Path, _data: &[u8]) -> io::Result<()> {
        Err(refused(path))
    }

    fn sync_directory(&self) -> io::Result<()> {
        Ok(())
    }

    /// No file: nothing in a published generation is ever collected (see the module docs).
    fn acquire_lock(&self, _lock: &Lock) -> Result<DirectoryLock, LockError> {
        Ok(DirectoryLock::from(Box::new(())))
    }

    fn watch(&self, _callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        // A published generation never changes: there is nothing to watch.
        Ok(WatchHandle::empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::lexical::LexicalIndex;
    use crate::{Chunk, ChunkKind};

    fn chunk(path: &str, text: &str) -> Chunk {
        Chunk {
            path: path.into(),
            language: "rust".into(),
            kind: ChunkKind::Function,
            symbol: None,
            signature: None,
            parent: None,
            breadcrumb: None,
            part: None,
            start_line: 1,
            end_line: 1,
            start_byte: 0,
            end_byte: text.len() as u64,
            content_hash: String::new(),
            tokens: 1,
            text: text.into(),
            front_matter: Default::default(),
        }
    }

    #[test]
    fn a_published_index_is_searched_without_a_lock_file_and_never_written() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = LexicalIndex::open_in_dir(dir.path()).unwrap();
        index
            .add_chunk(&chunk("src/a.rs", "fn parse_config() {}"), 0, 7)
            .unwrap();
        index.commit().unwrap();
        drop(index);
        let before: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        let lock = dir.path().join(".tantivy-meta.lock");
        let _ = std::fs::remove_file(&lock);

        let reader = LexicalIndex::open_existing(dir.path()).unwrap();
        let hits = reader.search("parse config", 5).unwrap();
        assert_eq!(hits.len(), 1);
        assert!(!lock.exists(), "the reader created the meta lock file");

        let published = PublishedDirectory::open(dir.path()).unwrap();
        let file = Path::new("meta.json");
        assert!(published.atomic_write(file, b"{}").is_err());
        assert!(published.delete(file).is_err());
        assert!(published.open_write(Path::new("new.idx")).is_err());
        let after: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|n| n != ".tantivy-meta.lock")
            .collect();
        let before: Vec<_> = before
            .into_iter()
            .filter(|n| n != ".tantivy-meta.lock")
            .collect();
        assert_eq!(before.len(), after.len());
    }
}
