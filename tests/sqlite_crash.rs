//! Crash safety of the SQLite store: a writer process killed with SIGKILL at random moments
//! never loses an acknowledged batch, never leaves part of a batch, and the file stays usable.
//!
//! The test re-runs its own binary as the writer (the ignored test `crash_writer`, selected
//! with `--exact` and switched on by an environment variable), so no extra binary ships with
//! the crate. Set `LSAA_CRASH_SEED` to replay the kill timings of a failed run.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use lsaa_runtime::{
    EventStore, ExpectedVersion, Metadata, NewEvent, RecordedEvent, SqliteStore, StreamId,
    StreamRange,
};

/// Set in the writer process: the database to append to.
const WRITER_DB: &str = "LSAA_CRASH_WRITER_DB";
/// Set in the writer process: the number of its first batch.
const WRITER_FIRST_BATCH: &str = "LSAA_CRASH_WRITER_FIRST_BATCH";
/// How many writers are started and killed.
const LIVES: u64 = 25;
/// Events per batch.
const BATCH: usize = 5;
/// Writer `n` numbers its batches from `n * BATCHES_PER_LIFE`, so every batch number is unique
/// and tells which writer wrote it.
const BATCHES_PER_LIFE: u64 = 1_000_000;
/// A writer that was never killed (the parent died) stops by itself after this long.
const WRITER_LIFETIME: Duration = Duration::from_secs(30);

fn stream() -> StreamId {
    StreamId::new("Crash", "writer")
}

/// The writer: appends batches until killed, printing `ack N` once batch N's `append` returned.
#[test]
#[ignore = "the writer process of `sigkill_never_loses_nor_tears_a_batch`, which runs it"]
fn crash_writer() {
    let Some(path) = std::env::var_os(WRITER_DB) else {
        return; // Run by hand (`--ignored`): nothing to do without the parent.
    };
    let first: u64 = std::env::var(WRITER_FIRST_BATCH)
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime");
    if let Err(error) = runtime.block_on(write_until_killed(Path::new(&path), first)) {
        say(&format!("fail {error}"));
    }
}

/// Appends batches numbered from `first`, acknowledging each, until killed.
async fn write_until_killed(path: &Path, first: u64) -> Result<(), String> {
    let store = SqliteStore::open(path)
        .await
        .map_err(|e| format!("open: {e}"))?;
    let mut version = store
        .stream_version(&stream())
        .await
        .map_err(|e| format!("version: {e}"))?;
    let deadline = Instant::now() + WRITER_LIFETIME;
    if !say("ready") {
        return Ok(()); // The parent is gone.
    }
    for batch in first.. {
        if Instant::now() > deadline {
            break;
        }
        let events = (0..BATCH)
            .map(|index| {
                let payload = format!(r#"{{"batch":{batch},"index":{index}}}"#);
                NewEvent::new("Ticked", 1, payload, Metadata::new())
            })
            .collect();
        let appended = store
            .append(&stream(), ExpectedVersion::Exactly(version), events)
            .await
            .map_err(|e| format!("append: {e}"))?;
        version = appended.version;
        // Only now is the batch acknowledged: `append` returned, so it must be durable.
        if !say(&format!("ack {batch}")) {
            break; // The parent is gone.
        }
    }
    Ok(())
}

/// Marks the writer's own lines: libtest prints `test crash_writer ... ` on the same line as
/// the first of them.
const MARK: &str = "lsaa-crash: ";

/// Writes one line to the real stdout (not libtest's capture) and flushes it into the pipe.
fn say(line: &str) -> bool {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{MARK}{line}")
        .and_then(|()| out.flush())
        .is_ok()
}

/// The writer's message in a line of its output, if the line has one.
fn heard(line: &str) -> Option<&str> {
    line.find(MARK).map(|at| &line[at + MARK.len()..])
}

#[test]
fn sigkill_never_loses_nor_tears_a_batch() {
    let db = TempDb::new();
    let seed = std::env::var("LSAA_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos());
            u64::from(nanos) ^ (u64::from(std::process::id()) << 32)
        });
    // Printed with the test's output when it fails; rerun with LSAA_CRASH_SEED to replay.
    eprintln!("LSAA_CRASH_SEED={seed}");
    let mut random = XorShift(seed | 1); // xorshift is stuck at 0
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let started = Instant::now();
    let mut lives = Vec::new();
    let mut in_flight = 0;
    for life in 0..LIVES {
        let first = life * BATCHES_PER_LIFE;
        // Every fifth writer is killed counting from its start, possibly while it creates or
        // opens the file; the others counting from when their store is open, so that most
        // kills land among appends even on a slow, busy machine.
        let from_start = life % 5 == 0;
        let delay = Duration::from_millis(20 + random.below(131));
        let outcome = run_and_kill(db.path(), first, from_start, delay);
        let acked = acknowledged(&outcome, first, seed);
        lives.push(Life { first, acked });
        in_flight += runtime.block_on(check(db.path(), &lives, seed));
    }

    let acked: u64 = lives.iter().map(|life| life.acked).sum();
    let killed_while_appending = lives.iter().filter(|life| life.acked > 0).count();
    // Guards against passing vacuously (writers that never got to append).
    assert!(
        acked >= 10 && killed_while_appending >= 5,
        "only {acked} batches acknowledged over {killed_while_appending} writers (seed {seed})"
    );

    // After all that, the store still takes writes and reads them back.
    runtime.block_on(async {
        let store = SqliteStore::open(db.path()).await.unwrap();
        let version = store.stream_version(&stream()).await.unwrap();
        let event = NewEvent::new("Ticked", 1, r#"{"batch":-1,"index":0}"#, Metadata::new());
        let appended = store
            .append(&stream(), ExpectedVersion::Exactly(version), vec![event])
            .await
            .unwrap();
        assert_eq!(appended.version, version + 1);
        let last = store
            .read_stream(&stream(), StreamRange::all().from_version(version + 1))
            .await
            .unwrap();
        assert_eq!(last.len(), 1);
        assert_eq!(last[0].payload, r#"{"batch":-1,"index":0}"#);
        assert_eq!(store.head_position().await.unwrap(), last[0].position);
    });
    let raw = rusqlite::Connection::open(db.path()).unwrap();
    let integrity: String = raw
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    eprintln!(
        "{LIVES} writers killed, {acked} batches acknowledged, {in_flight} committed but \
         killed before acknowledging, in {:.1?}",
        started.elapsed()
    );
}

/// What one writer printed before it was killed.
struct Outcome {
    lines: Vec<String>,
    stderr: String,
}

/// Starts a writer, kills it with SIGKILL after `delay` (counted from its start, or from when
/// it reports its store open), and collects everything it printed.
fn run_and_kill(db: &Path, first: u64, from_start: bool, delay: Duration) -> Outcome {
    let mut child = Writer(
        Command::new(std::env::current_exe().unwrap())
            .args(["crash_writer", "--exact", "--ignored", "--nocapture"])
            .args(["--test-threads", "1"])
            .env(WRITER_DB, db)
            .env(WRITER_FIRST_BATCH, first.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let mut stderr = child.0.stderr.take().unwrap();
    let (sender, lines) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let Some(message) = heard(&line) else {
                continue; // libtest's own chatter
            };
            if sender.send(message.to_owned()).is_err() {
                break;
            }
        }
    });
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });

    let mut seen = Vec::new();
    if !from_start {
        // Until the writer's store is open; one that exits or stays silent is reported below.
        while let Ok(line) = lines.recv_timeout(Duration::from_secs(30)) {
            let ready = line == "ready";
            seen.push(line);
            if ready {
                break;
            }
        }
    }
    std::thread::sleep(delay);
    let running = child.0.try_wait().unwrap().is_none();
    // `Child::kill` is SIGKILL on Unix: no destructor, no flush, no goodbye.
    drop(child);
    reader.join().unwrap();
    seen.extend(lines.try_iter());
    let stderr = errors.join().unwrap();
    assert!(
        running,
        "the writer exited before it was killed\nstdout: {seen:#?}\nstderr: {stderr}"
    );
    Outcome {
        lines: seen,
        stderr,
    }
}

/// A writer process, killed and reaped when dropped, even when the test fails midway.
struct Writer(Child);

impl Drop for Writer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Checks a writer's output and returns how many batches it acknowledged.
fn acknowledged(outcome: &Outcome, first: u64, seed: u64) -> u64 {
    let mut acked = 0;
    for line in &outcome.lines {
        assert!(
            !line.starts_with("fail"),
            "writer failed: {line}\nstderr: {} (seed {seed})",
            outcome.stderr
        );
        if let Some(batch) = line.strip_prefix("ack ") {
            assert_eq!(batch.parse::<u64>().ok(), Some(first + acked), "{line}");
            acked += 1;
        }
    }
    acked
}

/// One writer's share of the log.
struct Life {
    /// Its first batch number.
    first: u64,
    /// How many batches it acknowledged (its batches `first..first + acked`).
    acked: u64,
}

/// Reopens the store (recovering it after the kill) and checks the whole log. Returns how many
/// batches the last writer committed without acknowledging them (0 or 1).
async fn check(db: &Path, lives: &[Life], seed: u64) -> u64 {
    let store = SqliteStore::open(db).await.unwrap();
    let events = store
        .read_stream(&stream(), StreamRange::all())
        .await
        .unwrap();
    let versions: Vec<u64> = events.iter().map(|e| e.version).collect();
    assert!(
        versions.iter().copied().eq(1..=events.len() as u64),
        "versions are not gap-free (seed {seed})"
    );
    assert!(
        events.windows(2).all(|w| w[0].position < w[1].position),
        "positions do not increase (seed {seed})"
    );
    assert_eq!(
        store.read_all(0, usize::MAX).await.unwrap(),
        events,
        "the global log and the stream disagree (seed {seed})"
    );

    // Every batch is whole: BATCH events in a row, indexes 0..BATCH.
    assert_eq!(events.len() % BATCH, 0, "a partial batch (seed {seed})");
    let mut stored: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    let mut previous = None;
    for batch in events.chunks(BATCH) {
        let number = batch_of(&batch[0]).0;
        for (index, event) in batch.iter().enumerate() {
            assert_eq!(
                batch_of(event),
                (number, index),
                "batch {number} is torn at version {} (seed {seed})",
                event.version
            );
        }
        assert!(previous < Some(number), "batch {number} out of order");
        previous = Some(number);
        stored
            .entry(number / BATCHES_PER_LIFE)
            .or_default()
            .push(number);
    }

    // Each writer's batches are its acknowledged ones, plus at most the one in flight when it
    // was killed (committed, but killed before it could say so).
    let mut unacknowledged = 0;
    for (life, expected) in (0..).zip(lives) {
        let found = stored.remove(&life).unwrap_or_default();
        let count = found.len() as u64;
        assert!(
            found
                .iter()
                .copied()
                .eq(expected.first..expected.first + count),
            "writer {life} left batches {found:?} (seed {seed})"
        );
        assert!(
            count == expected.acked || count == expected.acked + 1,
            "writer {life} acknowledged {} batches, the store holds {count} (seed {seed})",
            expected.acked
        );
        unacknowledged = count - expected.acked;
    }
    assert!(stored.is_empty(), "batches of unknown writers: {stored:?}");
    unacknowledged
}

/// The batch number and index in the batch of an event the writer appended.
fn batch_of(event: &RecordedEvent) -> (u64, usize) {
    let payload: serde_json::Value = serde_json::from_str(&event.payload).unwrap();
    let number = payload["batch"].as_u64();
    let index = payload["index"]
        .as_u64()
        .and_then(|i| usize::try_from(i).ok());
    match (number, index) {
        (Some(number), Some(index)) => (number, index),
        _ => panic!("unexpected payload at version {}: {payload}", event.version),
    }
}

/// A small pseudo-random generator (xorshift64), so the kill timings replay from a seed.
struct XorShift(u64);

impl XorShift {
    /// A number in `0..bound`.
    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound
    }
}

/// A database path in the temp directory, removed (with its WAL files) when dropped.
struct TempDb(PathBuf);

impl TempDb {
    fn new() -> Self {
        let db =
            Self(std::env::temp_dir().join(format!("lsaa-sqlite-crash-{}.db", std::process::id())));
        db.remove();
        db
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn remove(&self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            // Missing files are fine: not every suffix exists.
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        self.remove();
    }
}
