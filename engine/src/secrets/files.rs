//! Files that hold secrets as a whole: ctx neither indexes, packs nor serves them.

/// True for files that hold secrets as a whole: `.env` files (not their `.example`
/// templates), private keys and keystores, credential stores (`.netrc`, `.pgpass`,
/// `.npmrc`, `.pypirc`, `.git-credentials`, AWS `credentials`), `.htpasswd`, Terraform
/// state, and Rails' `secrets.yml` / `master.key`.
pub fn is_secret_file(path: &str) -> bool {
    let path = path.replace('\\', "/");
    let name = path
        .rsplit('/')
        .next()
        .unwrap_or(&path)
        .to_ascii_lowercase();
    let parent = path
        .rsplit('/')
        .nth(1)
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    is_env_file(&name)
        || is_key_file(&name)
        || matches!(
            name.as_str(),
            ".netrc"
                | "_netrc"
                | ".pgpass"
                | ".npmrc"
                | ".pypirc"
                | ".git-credentials"
                | ".htpasswd"
                | ".dockercfg"
                | "secrets.yml"
                | "secrets.yaml"
                | "credentials.json"
                | "client_secret.json"
        )
        || (name == "credentials" && parent == ".aws")
        || (name == "config.json" && parent == ".docker")
        || name.ends_with(".tfstate")
        || name.ends_with(".tfstate.backup")
}

fn is_env_file(name: &str) -> bool {
    let templates = [
        "example", "sample", "template", "dist", "defaults", "schema",
    ];
    name == ".env"
        || name
            .strip_prefix(".env.")
            .is_some_and(|rest| !templates.iter().any(|t| rest.split('.').any(|p| p == *t)))
        || name
            .strip_suffix(".env")
            .is_some_and(|stem| !stem.is_empty() && !templates.iter().any(|t| stem.contains(t)))
}

fn is_key_file(name: &str) -> bool {
    let ssh = [
        "id_rsa",
        "id_dsa",
        "id_ecdsa",
        "id_ed25519",
        "id_ecdsa_sk",
        "id_ed25519_sk",
    ];
    let extensions = [
        ".pem",
        ".key",
        ".p12",
        ".pfx",
        ".jks",
        ".keystore",
        ".ppk",
        ".p8",
        ".kdbx",
    ];
    ssh.contains(&name) || extensions.iter().any(|ext| name.ends_with(ext))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_files() {
        for path in [
            ".env",
            "app/.env.local",
            ".env.production",
            "deploy/prod.env",
            "certs/server.pem",
            "id_rsa",
            "home/.ssh/id_ed25519",
            "x/y.key",
            "config/secrets.yml",
            "config/master.key",
            ".aws/credentials",
            "infra/terraform.tfstate",
            ".npmrc",
            ".git-credentials",
        ] {
            assert!(is_secret_file(path), "{path}");
        }
        for path in [
            ".env.example",
            ".env.sample",
            "example.env",
            ".env.local.example",
            "src/env.rs",
            "keys.py",
            "README.md",
            "id_rsa.pub",
            "credentials.py",
            "config.json",
            "docs/keyboard.md",
        ] {
            assert!(!is_secret_file(path), "{path}");
        }
    }
}
