//! What the benchmark examples share: reading `SITE_ROOT [ROUNDS]` from the command
//! line and loading that site's incidents.

use std::path::PathBuf;

/// A site's configuration and incidents, and how many rounds to time.
pub struct Site {
    pub config: fir::Config,
    pub content: fir::content::Content,
    pub rounds: usize,
}

impl Site {
    /// Loads the site named by the first argument (default `.`); the second argument
    /// is the number of rounds (default `default_rounds`).
    pub fn from_args(default_rounds: usize) -> anyhow::Result<Site> {
        let mut args = std::env::args().skip(1);
        let root = PathBuf::from(args.next().unwrap_or_else(|| ".".into()));
        let rounds = args.next().map_or(Ok(default_rounds), |r| r.parse())?;
        let config = fir::Config::load(&root)?;
        let content = fir::content::load(&root, &config);
        Ok(Site {
            config,
            content,
            rounds,
        })
    }

    pub fn incidents(&self) -> Vec<&fir::incident::Incident> {
        self.content.entries.iter().map(|e| &e.incident).collect()
    }
}
