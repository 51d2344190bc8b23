//! `fir serve`: the site, the intake form and the API, until SIGINT or SIGTERM.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address and port to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
}

pub fn run(root: &Path, args: Args) -> anyhow::Result<ExitCode> {
    super::load_config(root)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?;
    runtime.block_on(async {
        let app = Arc::new(crate::serve::App::load(root)?);
        let listener = tokio::net::TcpListener::bind(args.bind)
            .await
            .with_context(|| format!("cannot listen on {}", args.bind))?;
        // Scripts and tests read the port from this line.
        println!("listening on http://{}", listener.local_addr()?);
        std::io::stdout().flush()?;
        crate::serve::run(app, listener, stop_signal()).await
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Completes on the first SIGINT or SIGTERM.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
