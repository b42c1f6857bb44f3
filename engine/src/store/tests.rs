//! One conformance suite, run against every [`Store`] implementation.

use super::*;

fn check_get_put_delete(store: &dyn Store) {
    let mut batch = Batch::default();
    batch.put(Area::Files, b"a.rs", b"1".to_vec());
    batch.put(Area::Chunks, b"a.rs", b"2".to_vec());
    store.apply(batch).unwrap();
    assert_eq!(
        store.get(Area::Files, b"a.rs").unwrap(),
        Some(b"1".to_vec())
    );
    assert_eq!(
        store.get(Area::Chunks, b"a.rs").unwrap(),
        Some(b"2".to_vec())
    );
    let mut batch = Batch::default();
    batch.delete(Area::Files, b"a.rs");
    store.apply(batch).unwrap();
    assert_eq!(store.get(Area::Files, b"a.rs").unwrap(), None);
    assert_eq!(
        store.get(Area::Chunks, b"a.rs").unwrap(),
        Some(b"2".to_vec())
    );
}

fn check_scan_is_ordered_and_scoped(store: &dyn Store) {
    let mut batch = Batch::default();
    for key in ["src/b", "src/a", "tests/x", "src/c"] {
        batch.put(Area::Files, key.as_bytes(), key.as_bytes().to_vec());
    }
    batch.put(Area::Chunks, b"src/z", vec![]);
    store.apply(batch).unwrap();
    let keys: Vec<_> = store
        .scan(Area::Files, b"src/")
        .unwrap()
        .into_iter()
        .map(|(k, _)| String::from_utf8(k).unwrap())
        .collect();
    assert_eq!(keys, ["src/a", "src/b", "src/c"]);
    assert_eq!(store.scan(Area::Files, b"").unwrap().len(), 4);
}

#[test]
fn mem_store_conforms() {
    check_get_put_delete(&MemStore::new());
    check_scan_is_ordered_and_scoped(&MemStore::new());
}

/// Checks with every write flushed to its own segment, so reads cross segments.
fn flushing(store: &SegmentStore) -> impl Store + '_ {
    struct EachBatchFlushed<'a>(&'a SegmentStore);
    impl Store for EachBatchFlushed<'_> {
        fn get(&self, area: Area, key: &[u8]) -> crate::Result<Option<Vec<u8>>> {
            self.0.get(area, key)
        }
        fn scan(&self, area: Area, prefix: &[u8]) -> crate::Result<Vec<(Vec<u8>, Vec<u8>)>> {
            self.0.scan(area, prefix)
        }
        fn apply(&self, batch: Batch) -> crate::Result<()> {
            self.0.apply(batch)?;
            self.0.flush()
        }
        fn flush(&self) -> crate::Result<()> {
            self.0.flush()
        }
    }
    EachBatchFlushed(store)
}

#[test]
fn segment_store_conforms() {
    let dir = tempfile::tempdir().unwrap();
    let a = SegmentStore::open(&dir.path().join("a"), &[]).unwrap();
    check_get_put_delete(&a);
    check_scan_is_ordered_and_scoped(&SegmentStore::open(&dir.path().join("b"), &[]).unwrap());
    let c = SegmentStore::open(&dir.path().join("c"), &[]).unwrap();
    check_get_put_delete(&flushing(&c));
    let d = SegmentStore::open(&dir.path().join("d"), &[]).unwrap();
    check_scan_is_ordered_and_scoped(&flushing(&d));
}

#[test]
fn segment_store_persists_and_stays_short() {
    let dir = tempfile::tempdir().unwrap();
    let names = {
        let store = SegmentStore::open(dir.path(), &[]).unwrap();
        for round in 0..50u32 {
            let mut batch = Batch::default();
            batch.put(
                Area::Files,
                format!("f{}", round % 7).as_bytes(),
                round.to_le_bytes().to_vec(),
            );
            if round % 5 == 0 {
                batch.delete(Area::Files, b"f3");
            }
            store.apply(batch).unwrap();
            store.flush().unwrap();
            assert!(store.names().len() <= 6, "{:?}", store.names());
        }
        store.names()
    };
    let store = SegmentStore::open(dir.path(), &names).unwrap();
    assert_eq!(
        store.get(Area::Files, b"f0").unwrap(),
        Some(49u32.to_le_bytes().to_vec())
    );
    assert_eq!(
        store.get(Area::Files, b"f2").unwrap(),
        Some(44u32.to_le_bytes().to_vec())
    );
    assert_eq!(
        store.get(Area::Files, b"f3").unwrap(),
        None,
        "put, then deleted in round 45"
    );
    assert_eq!(store.count(Area::Files), 6);
    let files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        files.len(),
        names.len(),
        "merged segments are removed: {files:?}"
    );
}
