//! The incremental build: what changed since the last build (by the files' stamps),
//! the index kept or updated rather than made anew, and only the pages whose
//! fingerprint changed rendered again and written in place.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Instant;

use rayon::prelude::*;

use super::cache::{self, State};
use super::merge::Merged;
use super::{
    BuildError, Changes, Entries, Generator, GeneratorClock, Index, Input, Job, Listing, Output,
    Report, SPLICED, Site, Steps, Summary, absolute, check_relations, check_unique_ids,
    fail_on_errors, generators, io_error, job_pages, keep_published_relations, list_sources, pages,
    plan, publish, restore_index, search, stamps, summarise,
};
use crate::content;
use crate::drop_later;

impl Site {
    /// Renders only the jobs whose fingerprint changed since `previous`, in place.
    pub(super) fn incremental(
        &self,
        previous: &mut State,
        changes: Changes<'_>,
        listing: Option<Listing>,
        started: Instant,
    ) -> Result<(Report, State), BuildError> {
        let mut steps = Steps::default();
        let marker = std::fs::read_to_string(self.out.join(cache::MARKER)).unwrap_or_default();
        if marker.trim() != previous.build_id {
            return Err(BuildError::Stale(
                "the output was changed by something else".into(),
            ));
        }
        let (changed, removed) =
            steps.run("scan", || self.changed_files(previous, changes, listing))?;
        if changed.is_empty() && removed.is_empty() {
            // Pages depend on nothing but the content and what the state's key covers:
            // the published site is this build's, byte for byte.
            let report = Report {
                out: self.out.clone(),
                incidents: previous.summaries.len(),
                files: previous.pages.len(),
                written: 0,
                removed: 0,
                incremental: true,
                steps: steps.done,
                elapsed: started.elapsed(),
                warnings: Vec::new(),
            };
            let placeholder = State::new(
                previous.key,
                Default::default(),
                Vec::new(),
                Default::default(),
                None,
            );
            return Ok((report, std::mem::replace(previous, placeholder)));
        }
        // Something changed: the data file will be spliced. A process that builds once
        // copies it now, while the rest of the build runs, rather than in the publish
        // step (the intake server keeps a copy made after its last build).
        let copied_now;
        let early_copies = if self.copies_ahead {
            &self.early_copies
        } else {
            copied_now = publish::EarlyCopies::start(&self.out, SPLICED);
            &copied_now
        };
        let mut content = steps.run("load", || content::load_paths(changed, &self.config));
        let new_stamps = stamps(&content.entries);
        let touched: HashSet<PathBuf> = removed
            .iter()
            .cloned()
            .chain(new_stamps.keys().map(|k| k.0.clone()))
            .collect();
        let dangling = check_relations(&previous.sources, &touched, &content.entries);
        content.diagnostics.extend(dangling);
        let warnings = fail_on_errors(content.diagnostics)?;
        check_unique_ids(&previous.sources, &touched, &content.entries)?;
        // A change small enough to update the last build's index: restored first from
        // the correlation its cache kept (unless this process kept the index).
        if previous.correlation.is_some()
            && touched.len() * MAX_UPDATE_SHARE <= previous.summaries.len()
        {
            steps.run("restore index", || {
                restore_index(previous, &self.config, self.renderer.catalogue())
            });
        }
        let entries = steps.run("select audience", || self.select(content.entries));
        let (fresh, fresh_entries) = summarise(entries, &self.config);
        let fresh_ids: Vec<String> = fresh.iter().map(|s| s.id.to_string()).collect();
        let merged = steps.run("merge summaries", || {
            Merged::new(&mut previous.summaries, &touched, fresh)
        });
        // Every changed or removed incident is in the tail the merge took out.
        let changed_ids: HashSet<String> = merged
            .was_tail
            .iter()
            .filter(|s| touched.contains(&s.path))
            .map(|s| s.id.to_string())
            .chain(fresh_ids)
            .collect();
        let mut state = State::new(
            self.key,
            Default::default(),
            Vec::new(),
            Default::default(),
            None,
        );
        let previous_view: &State = previous;
        let published = (|| -> Result<_, BuildError> {
            let summaries = &merged.summaries;
            let edited = merged.edited_in_place();
            let index = match self.kept_index(previous_view, &merged, edited.as_deref()) {
                Some(mut index) => steps.run("update index", || {
                    let catalogue = self.renderer.catalogue();
                    let config = &self.config;
                    if edited.as_ref().is_some_and(|edited| {
                        index.update_edited(summaries, edited, config, catalogue)
                    }) || index.update(summaries, merged.keep, config, catalogue)
                    {
                        return index;
                    }
                    drop_later(index);
                    Index::build(summaries, &self.config, catalogue)
                }),
                None => steps.run("index", || {
                    Index::build(summaries, &self.config, self.renderer.catalogue())
                }),
            };
            let loaded = Entries::new(summaries.len());
            for mut entry in fresh_entries {
                keep_published_relations(&mut entry, &index);
                let at = index.by_id[entry.incident.id.as_str()] as usize;
                loaded.set(at, entry);
            }
            let input = steps.run("prepare", || {
                Input::new(
                    self,
                    summaries,
                    &index,
                    &loaded,
                    (merged.keep, &merged.was_tail),
                    &previous_view.fingerprints,
                )
            });
            // Incidents that relate to a changed one: their published relations may differ.
            for (i, summary) in summaries.iter().enumerate() {
                if summary
                    .relations
                    .iter()
                    .any(|r| changed_ids.contains(r.as_str()))
                {
                    loaded.get(i, &input)?;
                }
            }
            let (written, page_changes) =
                std::thread::scope(|scope| -> Result<(usize, cache::PageChanges), BuildError> {
                    // The new cache is written meanwhile, on another thread, from as soon
                    // as the summaries and their correlation are known: while the search
                    // index is updated and the pages are planned, rendered and published
                    // (at 100k saving takes about as long as all of these). The map of
                    // output files comes last in it, once the plan has told which
                    // changed. It is put in place of the last one once the pages
                    // rendered, so that a failed render leaves the last build's. It names
                    // this build, which the output's marker names only once everything
                    // is published: a publish cut short leaves the two disagreeing, and
                    // the next build is a full one.
                    let (pages_known, page_changes) = std::sync::mpsc::channel();
                    let (rendered_ok, go_ahead) = std::sync::mpsc::channel::<()>();
                    let next = cache::Next {
                        last: previous_view,
                        build_id: &state.build_id,
                        summaries,
                        removed: &removed,
                        read: &new_stamps,
                        fingerprints: &input.fingerprints,
                        index: Some(&index),
                    };
                    let saving = (!self.defer_cache_save).then(|| {
                        scope.spawn(move || {
                            let started = Instant::now();
                            let failed =
                                |_| std::io::Error::other("the build failed: the last cache kept");
                            let saved = cache::save_next(
                                &self.out,
                                &next,
                                || page_changes.recv().map_err(failed),
                                || go_ahead.recv().map_err(failed),
                            );
                            tracing::debug!("cache saved: {:.2?}", started.elapsed());
                            saved
                        })
                    });
                    let published = (|| -> Result<_, BuildError> {
                        // Dropped unsent (the build failed), they tell the writer to stop.
                        let (pages_known, rendered_ok) = (pages_known, rendered_ok);
                        let published_first = if self.publish_changed_first {
                            steps.run("publish changed incidents", || {
                                self.publish_incident_pages(&input, &changed_ids)
                            })?
                        } else {
                            HashMap::new()
                        };
                        let search = steps.run("search index", || {
                            search::SearchFiles::update(
                                &input,
                                previous_view,
                                &merged,
                                &changed_ids,
                            )
                        })?;
                        // The files that the search index was updated with are dropped
                        // off this thread, once the jobs that borrow them are done.
                        let done = (|| -> Result<_, BuildError> {
                            let generators = generators(&input, &search)?;
                            let jobs = steps.run("plan", || plan(&generators));
                            let (todo, still_made) = steps.run("compare", || {
                                compare(&generators, &jobs, &previous_view.pages)
                            });
                            let clock = GeneratorClock::new(&generators, todo.iter().copied());
                            let page_changes = steps.run("map pages", || {
                                map_pages(
                                    &generators,
                                    &jobs,
                                    &todo,
                                    still_made,
                                    &previous_view.pages,
                                )
                            });
                            let _ = pages_known.send(page_changes.clone());
                            let rendered =
                                steps.run("render", || -> Result<Vec<_>, BuildError> {
                                    todo.par_iter()
                                        .map(|(g, job)| {
                                            let started = Instant::now();
                                            let files = generators[*g].render_update(job.item)?;
                                            clock.add(*g, 0, started);
                                            Ok((*g, job, files))
                                        })
                                        .collect()
                                })?;
                            let _ = rendered_ok.send(());
                            // Every file of the jobs rendered again, as a full build counts them.
                            let written = rendered.iter().map(|(_, _, files)| files.len()).sum();
                            steps.run("publish", || {
                                self.publish_in_place(
                                    &rendered,
                                    early_copies,
                                    &published_first,
                                    &page_changes.stale,
                                    &state.build_id,
                                    &clock,
                                )
                            })?;
                            Ok((written, page_changes))
                        })();
                        drop_later(search);
                        done
                    })();
                    let saved = saving.map_or(Ok(()), |s| s.join().expect("saving does not panic"));
                    let published = published?;
                    saved.map_err(io_error(&cache::path_for(&self.out)))?;
                    Ok(published)
                })?;
            let fingerprints = input.into_fingerprints();
            drop_later(loaded);
            let cache::PageChanges {
                stale,
                rendered: changed_pages,
            } = page_changes;
            Ok((index, changed_pages, written, stale, fingerprints))
        })();
        let (index, changed_pages, written, stale, fingerprints) = match published {
            Ok(done) => done,
            Err(error) => {
                merged.restore(&mut previous.summaries);
                return Err(error);
            }
        };
        // The last build's summaries and file list, brought up to date, rather than
        // copies: the last state is not needed once the new one is published.
        drop_later(merged.was_tail);
        state.summaries = merged.summaries;
        state.pages = std::mem::take(&mut previous.pages);
        for path in &stale {
            state.pages.remove(path);
        }
        state.pages.extend(changed_pages);
        state.index = std::sync::Mutex::new(Some(index));
        state.fingerprints = fingerprints;
        state.sources = std::mem::take(&mut previous.sources);
        for path in &removed {
            state.sources.remove(path.as_os_str());
        }
        state.sources.extend(new_stamps);
        let report = Report {
            out: self.out.clone(),
            incidents: state.summaries.len(),
            files: state.pages.len(),
            written,
            removed: stale.len(),
            incremental: true,
            steps: steps.done,
            elapsed: started.elapsed(),
            warnings,
        };
        Ok((report, state))
    }

    /// The last build's index, when it can be brought up to date rather than built
    /// anew: this process built it and only the newest incidents changed (the intake
    /// case), or a few changed in place (one closed). An edit in place that turns out
    /// to change artifacts or links is then updated from its position on, as a
    /// change among the newest is.
    fn kept_index(
        &self,
        previous: &State,
        merged: &Merged,
        edited_in_place: Option<&[(usize, &Summary)]>,
    ) -> Option<Index> {
        let index = previous.index.lock().ok()?.take()?;
        let changed = match edited_in_place {
            Some(edited) => 2 * edited.len(),
            None => (merged.summaries.len() - merged.keep) + merged.was_tail.len(),
        };
        if changed * MAX_UPDATE_SHARE > merged.summaries.len() {
            drop_later(index);
            return None;
        }
        Some(index)
    }

    /// Renders and publishes the pages of the incidents `ids` that are published;
    /// returns what it wrote, by path, so that the same bytes are not written twice.
    fn publish_incident_pages(
        &self,
        input: &Input<'_>,
        ids: &HashSet<String>,
    ) -> Result<HashMap<String, Vec<u8>>, BuildError> {
        let pages = pages::IncidentPages { input };
        let positions: Vec<usize> = ids
            .iter()
            .filter_map(|id| input.index.by_id.get(id.as_str()).map(|&i| i as usize))
            .collect();
        let rendered = positions
            .par_iter()
            .map(|&i| Ok((i, pages.render(i)?)))
            .collect::<Result<Vec<_>, BuildError>>()?;
        let mut published = HashMap::new();
        for (i, files) in rendered {
            let id = &input.summaries[i].id;
            for (path, bytes) in pages::IncidentPages::outputs(id).into_iter().zip(files) {
                publish::write_in_place(&self.out, &path, &bytes)
                    .map_err(io_error(&self.out.join(&path)))?;
                published.insert(path, bytes);
            }
        }
        Ok(published)
    }

    /// Writes an incremental build's files into the published site, each one
    /// atomically, removes the stale ones, then marks the output as this build's.
    fn publish_in_place(
        &self,
        rendered: &[(usize, &Job, Vec<Output>)],
        early_copies: &publish::EarlyCopies,
        published_first: &HashMap<String, Vec<u8>>,
        stale: &[String],
        build_id: &str,
        clock: &GeneratorClock,
    ) -> Result<(), BuildError> {
        for (g, job, files) in rendered {
            let started = Instant::now();
            for (path, output) in job.outputs.iter().zip(files) {
                if let Output::Whole(bytes) = output
                    && published_first.get(path) == Some(bytes)
                {
                    continue;
                }
                match output {
                    Output::Whole(bytes) => publish::write_in_place(&self.out, path, bytes),
                    Output::Splice(pieces) => {
                        publish::splice_in_place(&self.out, path, pieces, early_copies)
                    }
                }
                .map_err(io_error(&self.out.join(path)))?;
            }
            clock.add(*g, 1, started);
        }
        clock.log();
        for path in stale {
            publish::remove_in_place(&self.out, path).map_err(io_error(&self.out.join(path)))?;
        }
        publish::write_in_place(&self.out, cache::MARKER, build_id.as_bytes())
            .map_err(io_error(&self.out))
    }

    /// Incident files that are new or changed (to load), and those that are gone.
    fn changed_files(
        &self,
        previous: &State,
        changes: Changes<'_>,
        listing: Option<Listing>,
    ) -> Result<(Vec<PathBuf>, Vec<PathBuf>), BuildError> {
        let candidates: Vec<PathBuf> = match changes {
            Changes::Scan => {
                let files = match listing {
                    Some(listing) => listing,
                    None => list_sources(&self.root)?,
                };
                // Each listed file looked up once, on every core; the files gone are
                // looked for only when fewer known files were listed than the last
                // build knew (listed paths are distinct, so as many means all).
                let (mut candidates, known): (Vec<PathBuf>, usize) = files
                    .par_iter()
                    .fold(
                        || (Vec::new(), 0),
                        |(mut candidates, mut known), (path, stamp)| {
                            match (previous.sources.get(path.as_os_str()), stamp) {
                                (Some(source), Some(stamp)) if !source.differs_from(*stamp) => {
                                    known += 1
                                }
                                (Some(_), _) => {
                                    known += 1;
                                    candidates.push(path.clone());
                                }
                                (None, _) => candidates.push(path.clone()),
                            }
                            (candidates, known)
                        },
                    )
                    .reduce(
                        || (Vec::new(), 0),
                        |(mut a, known_a), (b, known_b)| {
                            a.extend(b);
                            (a, known_a + known_b)
                        },
                    );
                if known < previous.sources.len() {
                    let present: foldhash::HashSet<&std::ffi::OsStr> =
                        files.iter().map(|(p, _)| p.as_os_str()).collect();
                    candidates.extend(
                        previous
                            .sources
                            .keys()
                            .filter(|p| !present.contains(p.0.as_os_str()))
                            .map(|p| p.0.clone()),
                    );
                }
                candidates
            }
            Changes::Paths(paths) => paths.iter().map(|p| absolute(p)).collect(),
        };
        let mut changed = Vec::new();
        let mut removed = Vec::new();
        for path in candidates {
            if !path.is_file() {
                if previous.sources.contains_key(path.as_os_str()) {
                    removed.push(path);
                }
                continue;
            }
            if content::incident_stem(&path).is_none() {
                continue;
            }
            // Touched but not changed: same bytes, nothing to do.
            if let Some(source) = previous.sources.get(path.as_os_str())
                && let Ok(bytes) = std::fs::read(&path)
                && content::hash_bytes(&bytes) == source.hash
            {
                continue;
            }
            changed.push(path);
        }
        Ok((changed, removed))
    }
}

/// The jobs to render again: those whose files are not all the last build's, made
/// with the same fingerprint (by the map of the last build's files, `last`). And how
/// many of the last build's files the jobs still make, with those the generators left
/// out as unchanged: when all, none is stale. Per job on every core: a third of a
/// million files at 100k.
fn compare<'j>(
    generators: &[Box<dyn Generator + '_>],
    jobs: &'j [(usize, Job)],
    last: &cache::PageMap,
) -> (Vec<&'j (usize, Job)>, usize) {
    let checked: Vec<(bool, usize)> = jobs
        .par_iter()
        .map(|(_, job)| {
            let mut same = true;
            let mut made = 0;
            for path in &job.outputs {
                match last.get(path) {
                    Some(fingerprint) => {
                        made += 1;
                        same &= fingerprint == job.fingerprint;
                    }
                    None => same = false,
                }
            }
            (same, made)
        })
        .collect();
    let unchanged: usize = generators.iter().map(|g| g.unchanged()).sum();
    let still_made = unchanged + checked.iter().map(|&(_, made)| made).sum::<usize>();
    let todo = jobs
        .iter()
        .zip(&checked)
        .filter(|(_, (same, _))| !same)
        .map(|(entry, _)| entry)
        .collect();
    (todo, still_made)
}

/// What changed in the map of output files: the files of the jobs to render again
/// (`todo`), and those of the last build's map (`last`) that no job makes any more
/// and no generator left out as unchanged, looked for only when fewer of them are
/// still made than it has (`still_made`, from [`compare`]).
fn map_pages(
    generators: &[Box<dyn Generator + '_>],
    jobs: &[(usize, Job)],
    todo: &[&(usize, Job)],
    still_made: usize,
    last: &cache::PageMap,
) -> cache::PageChanges {
    let rendered = job_pages(todo.iter().copied())
        .map(|(path, fingerprint)| (path.to_string(), fingerprint))
        .collect();
    let stale = if still_made == last.len() {
        Vec::new()
    } else {
        let unchanged: Vec<String> = generators
            .iter()
            .flat_map(|g| g.unchanged_outputs())
            .collect();
        let made: HashSet<&str> = jobs
            .iter()
            .flat_map(|(_, job)| job.outputs.iter().map(String::as_str))
            .chain(unchanged.iter().map(String::as_str))
            .collect();
        last.iter()
            .filter(|(path, _)| !made.contains(path))
            .map(|(path, _)| path.to_string())
            .collect()
    };
    cache::PageChanges { stale, rendered }
}

/// The index is updated rather than built anew when at most one incident in this many
/// is among those that changed or moved (updating costs about as much per incident as
/// building, plus a little for those that share artifacts with them).
const MAX_UPDATE_SHARE: usize = 10;
