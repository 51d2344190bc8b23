//! `fir ingest-mail`: incidents from reported e-mails (.eml files, mbox files, Maildirs).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::mail::{Ingester, Outcome, source};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Messages to ingest: .eml files, mbox files, or Maildir directories.
    pub paths: Vec<PathBuf>,
    /// A Maildir whose new/ messages are ingested, then moved to cur/ marked seen.
    #[arg(long)]
    pub maildir: Option<PathBuf>,
    /// Keep watching the Maildir's new/ until interrupted (SIGINT or SIGTERM).
    #[arg(long, requires = "maildir")]
    pub watch: bool,
    /// How often --watch looks into new/, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    pub interval_ms: u64,
}

/// What happened to the messages of one run.
#[derive(Debug, Default)]
struct Tally {
    created: usize,
    appended: usize,
    duplicates: usize,
    quarantined: usize,
}

impl Tally {
    fn record(&mut self, origin: &str, outcome: &Outcome) {
        match outcome {
            Outcome::Created { id, path } => {
                self.created += 1;
                println!("created {id} {} from {origin}", path.display());
            }
            Outcome::Appended { id, path } => {
                self.appended += 1;
                println!("appended to {id} {} from {origin}", path.display());
            }
            Outcome::Duplicate { message_id, id } => {
                self.duplicates += 1;
                println!("skipped {origin}: Message-ID {message_id} is already in {id}");
            }
            Outcome::Quarantined { reason, copy } => {
                self.quarantined += 1;
                eprintln!(
                    "error: {origin}: {reason}; quarantined as {}",
                    copy.display()
                );
            }
        }
    }
}

pub fn run(root: &Path, args: Args) -> anyhow::Result<ExitCode> {
    if args.paths.is_empty() && args.maildir.is_none() {
        bail!("nothing to ingest: give .eml, mbox or Maildir paths, or --maildir DIR");
    }
    let config = super::load_config(root)?;
    let started = Instant::now();
    let mut ingester = Ingester::open(root, &config);
    let mut tally = Tally::default();
    for path in &args.paths {
        ingest_path(
            &mut ingester,
            path,
            config.mail.max_message_bytes,
            &mut tally,
        )?;
    }
    if let Some(maildir) = &args.maildir {
        if !source::is_maildir(maildir) {
            bail!("{}: not a Maildir (no new/ and cur/)", maildir.display());
        }
        if args.watch {
            let stop = stop_on_signal()?;
            let interval = Duration::from_millis(args.interval_ms.max(10));
            eprintln!(
                "watching {} (Ctrl-C to stop)",
                maildir.join("new").display()
            );
            while !stop.load(Ordering::SeqCst) {
                ingest_maildir(&mut ingester, maildir, &mut tally, &stop)?;
                let until = Instant::now() + interval;
                while Instant::now() < until && !stop.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        } else {
            ingest_maildir(&mut ingester, maildir, &mut tally, &AtomicBool::new(false))?;
        }
    }
    eprintln!(
        "ingested {} message(s) in {:.2?}: {} created, {} appended, {} already known, {} quarantined",
        tally.created + tally.appended + tally.duplicates + tally.quarantined,
        started.elapsed(),
        tally.created,
        tally.appended,
        tally.duplicates,
        tally.quarantined
    );
    Ok(if tally.quarantined > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn ingest_path(
    ingester: &mut Ingester<'_>,
    path: &Path,
    max_bytes: u64,
    tally: &mut Tally,
) -> anyhow::Result<()> {
    if path.is_dir() {
        if !source::is_maildir(path) {
            bail!(
                "{}: a directory that is not a Maildir (no new/ and cur/)",
                path.display()
            );
        }
        return ingest_maildir(ingester, path, tally, &AtomicBool::new(false));
    }
    if source::is_mbox(path).with_context(|| format!("{}: cannot read", path.display()))? {
        let mbox = source::Mbox::open(path, max_bytes)
            .with_context(|| format!("{}: cannot read", path.display()))?;
        for message in mbox {
            let message = message.with_context(|| format!("{}: cannot read", path.display()))?;
            let origin = format!(
                "{}:{} (message {})",
                path.display(),
                message.line,
                message.index
            );
            let outcome = if message.size > max_bytes {
                let reason = crate::mail::MailError::TooLarge {
                    size: message.size,
                    limit: max_bytes,
                };
                ingester.quarantine(
                    &message.data,
                    &origin,
                    &format!("{reason} (only its first bytes are kept)"),
                )?
            } else {
                ingester.bytes(&message.data, &origin)?
            };
            tally.record(&origin, &outcome);
        }
        return Ok(());
    }
    let outcome = ingester.file(path)?;
    tally.record(&path.display().to_string(), &outcome);
    Ok(())
}

/// Ingests what is in `new/` now, moving each message to `cur/` once it is handled.
fn ingest_maildir(
    ingester: &mut Ingester<'_>,
    maildir: &Path,
    tally: &mut Tally,
    stop: &AtomicBool,
) -> anyhow::Result<()> {
    let messages = source::maildir_new(maildir)
        .with_context(|| format!("{}: cannot list new/", maildir.display()))?;
    for message in messages {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        if !message.exists() {
            // Taken by another reader of the Maildir since the listing.
            continue;
        }
        let outcome = ingester.file(&message)?;
        tally.record(&message.display().to_string(), &outcome);
        source::mark_seen(maildir, &message)
            .with_context(|| format!("{}: cannot move to cur/", message.display()))?;
    }
    Ok(())
}

/// A flag set when SIGINT or SIGTERM arrives; the handlers are in place on return.
fn stop_on_signal() -> anyhow::Result<Arc<AtomicBool>> {
    let flag = Arc::new(AtomicBool::new(false));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the signal handler")?;
    let set = flag.clone();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (mut interrupt, mut terminate) = {
            let _guard = runtime.enter();
            (
                signal(SignalKind::interrupt()).context("listening for SIGINT")?,
                signal(SignalKind::terminate()).context("listening for SIGTERM")?,
            )
        };
        std::thread::spawn(move || {
            runtime.block_on(async {
                tokio::select! {
                    _ = interrupt.recv() => {}
                    _ = terminate.recv() => {}
                }
            });
            set.store(true, Ordering::SeqCst);
        });
    }
    #[cfg(not(unix))]
    std::thread::spawn(move || {
        let _ = runtime.block_on(tokio::signal::ctrl_c());
        set.store(true, Ordering::SeqCst);
    });
    Ok(flag)
}
