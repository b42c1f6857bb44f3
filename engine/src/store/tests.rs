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

#[test]
fn sled_store_conforms() {
    let dir = tempfile::tempdir().unwrap();
    check_get_put_delete(&SledStore::open(&dir.path().join("a")).unwrap());
    check_scan_is_ordered_and_scoped(&SledStore::open(&dir.path().join("b")).unwrap());
}

#[test]
fn sled_store_persists_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = SledStore::open(dir.path()).unwrap();
        let mut batch = Batch::default();
        batch.put(Area::Meta, b"k", b"v".to_vec());
        store.apply(batch).unwrap();
        store.flush().unwrap();
    }
    let store = SledStore::open(dir.path()).unwrap();
    assert_eq!(store.get(Area::Meta, b"k").unwrap(), Some(b"v".to_vec()));
}
