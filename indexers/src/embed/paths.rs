//! Where the model and ONNX Runtime are: configuration, then environment, then the cache.

use super::manifest::{Manifest, MODEL_FILES};
use super::EmbedError;
use serde::{Deserialize, Serialize};
use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

/// Environment variable naming a model directory (overrides the cache).
pub const ENV_MODEL_DIR: &str = "CTX_MODEL_DIR";
/// Environment variable naming the ONNX Runtime shared library (overrides the cache).
pub const ENV_ORT_DYLIB: &str = "ORT_DYLIB_PATH";
/// Environment variable naming ctx's home; the cache is then `$CTX_HOME/models`.
pub const ENV_CTX_HOME: &str = "CTX_HOME";

/// Where a resolved path came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PathOrigin {
    /// The `[model]` table of the user's config (never the repository's).
    Config,
    /// `CTX_MODEL_DIR` or `ORT_DYLIB_PATH`.
    Env,
    /// The cache that `ctx model install` fills.
    Cache,
}

impl fmt::Display for PathOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PathOrigin::Config => "config",
            PathOrigin::Env => "env",
            PathOrigin::Cache => "cache",
        })
    }
}

/// The `[model]` table of the user's config: optional explicit paths. A repository's
/// `.ctx/config.toml` cannot set them (they choose native code ctx loads).
///
/// Relative paths must be resolved by the caller, against the config file's directory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// A directory holding `model.onnx` and the tokenizer files.
    pub dir: Option<PathBuf>,
    /// The ONNX Runtime shared library (`libonnxruntime.so.*`).
    pub ort_dylib: Option<PathBuf>,
}

impl ModelConfig {
    /// The same configuration with relative paths joined onto `root` (the config file's directory).
    pub fn relative_to(self, root: &Path) -> ModelConfig {
        let absolute = |path: PathBuf| {
            if path.is_absolute() {
                path
            } else {
                root.join(path)
            }
        };
        ModelConfig {
            dir: self.dir.map(absolute),
            ort_dylib: self.ort_dylib.map(absolute),
        }
    }
}

/// The resolved model directory and ONNX Runtime library, each with its origin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelPaths {
    /// Directory holding `model.onnx`, `tokenizer.json`, `config.json`,
    /// `special_tokens_map.json` and `tokenizer_config.json`.
    pub model_dir: PathBuf,
    /// Where `model_dir` came from.
    pub model_origin: PathOrigin,
    /// The ONNX Runtime shared library.
    pub ort_dylib: PathBuf,
    /// Where `ort_dylib` came from.
    pub dylib_origin: PathOrigin,
}

impl ModelPaths {
    /// Resolves the model directory and ONNX Runtime library, each in this order: the
    /// explicit configuration values (`[model] dir` / `ort_dylib` of the user's config), the
    /// environment (`CTX_MODEL_DIR` / `ORT_DYLIB_PATH`), then the cache ([`cache_root`]).
    ///
    /// An explicit path that does not hold what it should is an error naming it; nothing
    /// in the cache is [`EmbedError::NotInstalled`], whose message gives `ctx model install`.
    pub fn resolve(
        config_dir: Option<&Path>,
        config_dylib: Option<&Path>,
    ) -> Result<ModelPaths, EmbedError> {
        Self::resolve_with(
            config_dir,
            config_dylib,
            |name| std::env::var_os(name),
            cache_root(),
        )
    }

    /// [`ModelPaths::resolve`] with the environment and cache root given, for tests.
    pub fn resolve_with(
        config_dir: Option<&Path>,
        config_dylib: Option<&Path>,
        env: impl Fn(&str) -> Option<OsString>,
        cache_root: Option<PathBuf>,
    ) -> Result<ModelPaths, EmbedError> {
        let manifest = Manifest::bundled()?;
        let env_path = |name: &str| env(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        let (model_dir, model_origin) = pick(
            config_dir,
            env_path(ENV_MODEL_DIR),
            cache_root
                .as_ref()
                .map(|root| root.join(&manifest.model.dir)),
        );
        let (ort_dylib, dylib_origin) = pick(
            config_dylib,
            env_path(ENV_ORT_DYLIB),
            cache_root.as_ref().map(|root| {
                root.join(&manifest.runtime.dir)
                    .join(&manifest.runtime.dylib)
            }),
        );
        let not_installed = |missing: PathBuf| EmbedError::NotInstalled { missing };
        let model_dir = model_dir.ok_or(EmbedError::NoCacheDir)?;
        let ort_dylib = ort_dylib.ok_or(EmbedError::NoCacheDir)?;
        if let Some(missing) = missing_model_file(&model_dir) {
            return Err(match model_origin {
                PathOrigin::Cache => not_installed(missing),
                origin => bad_path(origin, ENV_MODEL_DIR, "dir", &model_dir, &missing),
            });
        }
        if !ort_dylib.is_file() {
            return Err(match dylib_origin {
                PathOrigin::Cache => not_installed(ort_dylib),
                origin => bad_path(origin, ENV_ORT_DYLIB, "ort_dylib", &ort_dylib, &ort_dylib),
            });
        }
        Ok(ModelPaths {
            model_dir,
            model_origin,
            ort_dylib,
            dylib_origin,
        })
    }
}

/// The first of config, environment and cache that is set, with its origin.
fn pick(
    config: Option<&Path>,
    env: Option<PathBuf>,
    cache: Option<PathBuf>,
) -> (Option<PathBuf>, PathOrigin) {
    match (config, env) {
        (Some(path), _) => (Some(path.to_path_buf()), PathOrigin::Config),
        (None, Some(path)) => (Some(path), PathOrigin::Env),
        (None, None) => (cache, PathOrigin::Cache),
    }
}

/// The first required model file missing from `dir`, if any.
fn missing_model_file(dir: &Path) -> Option<PathBuf> {
    MODEL_FILES
        .iter()
        .map(|name| dir.join(name))
        .find(|path| !path.is_file())
}

fn bad_path(
    origin: PathOrigin,
    env_name: &str,
    config_key: &str,
    path: &Path,
    missing: &Path,
) -> EmbedError {
    let setting = match origin {
        PathOrigin::Config => format!("[model] {config_key} of your ctx config"),
        _ => env_name.to_string(),
    };
    EmbedError::BadPath {
        setting,
        path: path.to_path_buf(),
        missing: missing.to_path_buf(),
    }
}

/// The cache that `ctx model install` fills: `$CTX_HOME/models` when `CTX_HOME` is set,
/// else `$XDG_CACHE_HOME/ctx/models`, else `~/.cache/ctx/models`. `None` when none of
/// `CTX_HOME`, `XDG_CACHE_HOME` and `HOME` is set.
pub fn cache_root() -> Option<PathBuf> {
    cache_root_with(|name| std::env::var_os(name))
}

/// [`cache_root`] with the environment given, for tests.
pub fn cache_root_with(env: impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    let var = |name: &str| env(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(home) = var(ENV_CTX_HOME) {
        return Some(home.join("models"));
    }
    let cache = var("XDG_CACHE_HOME").or_else(|| var("HOME").map(|home| home.join(".cache")))?;
    Some(cache.join("ctx").join("models"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &Path)]) -> impl Fn(&str) -> Option<OsString> {
        let map: HashMap<String, OsString> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.as_os_str().to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    /// Writes a fake model directory and runtime library under `root` as the cache holds them.
    fn fake_install(root: &Path) -> (PathBuf, PathBuf) {
        let manifest = Manifest::bundled().unwrap();
        let model = root.join(&manifest.model.dir);
        std::fs::create_dir_all(&model).unwrap();
        for name in MODEL_FILES {
            std::fs::write(model.join(name), b"x").unwrap();
        }
        let runtime = root.join(&manifest.runtime.dir);
        std::fs::create_dir_all(&runtime).unwrap();
        let dylib = runtime.join(&manifest.runtime.dylib);
        std::fs::write(&dylib, b"x").unwrap();
        (model, dylib)
    }

    #[test]
    fn relative_config_paths_are_joined_onto_the_root() {
        let config = ModelConfig {
            dir: Some("models/m".into()),
            ort_dylib: Some("/abs/lib.so".into()),
        }
        .relative_to(Path::new("/repo"));
        assert_eq!(config.dir.unwrap(), Path::new("/repo/models/m"));
        assert_eq!(config.ort_dylib.unwrap(), Path::new("/abs/lib.so"));
    }

    #[test]
    fn cache_root_prefers_ctx_home_then_xdg_then_home() {
        let p = Path::new;
        let root = cache_root_with(env_of(&[("CTX_HOME", p("/h")), ("HOME", p("/u"))]));
        assert_eq!(root.unwrap(), p("/h/models"));
        let root = cache_root_with(env_of(&[("XDG_CACHE_HOME", p("/x")), ("HOME", p("/u"))]));
        assert_eq!(root.unwrap(), p("/x/ctx/models"));
        let root = cache_root_with(env_of(&[("HOME", p("/u"))]));
        assert_eq!(root.unwrap(), p("/u/.cache/ctx/models"));
        assert_eq!(cache_root_with(env_of(&[])), None);
    }

    #[test]
    fn empty_cache_is_not_installed_and_names_the_install_command() {
        let tmp = tempfile::tempdir().unwrap();
        let err =
            ModelPaths::resolve_with(None, None, env_of(&[]), Some(tmp.path().into())).unwrap_err();
        assert!(matches!(err, EmbedError::NotInstalled { .. }), "{err}");
        assert!(err.to_string().contains("ctx model install"), "{err}");
    }

    #[test]
    fn cache_is_used_when_nothing_is_configured() {
        let tmp = tempfile::tempdir().unwrap();
        let (model, dylib) = fake_install(tmp.path());
        let paths =
            ModelPaths::resolve_with(None, None, env_of(&[]), Some(tmp.path().into())).unwrap();
        assert_eq!(paths.model_dir, model);
        assert_eq!(paths.ort_dylib, dylib);
        assert_eq!(paths.model_origin, PathOrigin::Cache);
        assert_eq!(paths.dylib_origin, PathOrigin::Cache);
    }

    #[test]
    fn config_beats_env_and_env_beats_cache() {
        let cache = tempfile::tempdir().unwrap();
        fake_install(cache.path());
        let other = tempfile::tempdir().unwrap();
        let (model, dylib) = fake_install(other.path());
        let env = env_of(&[(ENV_MODEL_DIR, &model), (ENV_ORT_DYLIB, &dylib)]);
        let paths = ModelPaths::resolve_with(None, None, &env, Some(cache.path().into())).unwrap();
        assert_eq!(
            (paths.model_dir.as_path(), paths.model_origin),
            (model.as_path(), PathOrigin::Env)
        );
        assert_eq!(paths.dylib_origin, PathOrigin::Env);

        let third = tempfile::tempdir().unwrap();
        let (config_model, _) = fake_install(third.path());
        let paths =
            ModelPaths::resolve_with(Some(&config_model), None, &env, Some(cache.path().into()))
                .unwrap();
        assert_eq!(paths.model_dir, config_model);
        assert_eq!(paths.model_origin, PathOrigin::Config);
        assert_eq!(paths.ort_dylib, dylib);
    }

    #[test]
    fn a_wrong_explicit_path_is_an_error_naming_the_setting() {
        let cache = tempfile::tempdir().unwrap();
        fake_install(cache.path());
        let env = env_of(&[(ENV_MODEL_DIR, Path::new("/no/such/model"))]);
        let err = ModelPaths::resolve_with(None, None, env, Some(cache.path().into())).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("CTX_MODEL_DIR"), "{message}");
        assert!(message.contains("'/no/such/model'"), "{message}");

        let err = ModelPaths::resolve_with(
            None,
            Some(Path::new("/no/lib.so")),
            env_of(&[]),
            Some(cache.path().into()),
        )
        .unwrap_err();
        assert!(err.to_string().contains("[model] ort_dylib"), "{err}");
    }
}
