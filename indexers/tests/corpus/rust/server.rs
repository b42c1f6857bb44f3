//! A tiny HTTP-ish server used as a chunker fixture.

use std::collections::HashMap;
use std::io::{self, Read};

const DEFAULT_PORT: u16 = 8080;

/// Server configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub port: u16,
    pub routes: HashMap<String, String>,
}

impl Config {
    /// A configuration with the default port.
    pub fn new() -> Config {
        Config {
            port: DEFAULT_PORT,
            routes: HashMap::new(),
        }
    }
}

/// Things that can handle a request.
pub trait Handler {
    /// Handles one request body.
    fn handle(&self, body: &str) -> String;

    fn name(&self) -> &str {
        "handler"
    }
}

pub struct Server {
    config: Config,
}

impl Server {
    pub fn new(config: Config) -> Self {
        Server { config }
    }

    /// Reads one request and answers it.
    pub fn handle(&self, input: &mut dyn Read) -> io::Result<String> {
        let mut body = String::new();
        input.read_to_string(&mut body)?;
        Ok(self.route(&body))
    }

    fn route(&self, body: &str) -> String {
        self.config.routes.get(body).cloned().unwrap_or_default()
    }
}

impl<T: Handler> Handler for Vec<T> {
    fn handle(&self, body: &str) -> String {
        self.iter().map(|h| h.handle(body)).collect()
    }
}

pub enum Method {
    Get,
    Post,
}

type Routes = HashMap<String, String>;

macro_rules! route {
    ($path:expr) => {
        $path.to_string()
    };
}

fn main() {
    let server = Server::new(Config::new());
    let _ = route!("/");
    println!("{}", server.config.port);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_has_default_port() {
        assert_eq!(Config::new().port, DEFAULT_PORT);
    }
}
